import { describe, expect, it } from 'vitest';
import { buildLogText, storedBuildLog, withArrivedLines } from '../../ui/src/logic/build-log.js';
import { createServiceBody, emptyServiceForm, parseEnvLines, updateServiceBody, type ServiceFormValues } from '../../ui/src/logic/service-form.js';
import { withInlineDockerfile } from '../../ui/src/logic/service-source.js';

/* The service form validates with the contract's schemas and puts each message beside its field. */

const serverId = '5b0a7c1e-3f1f-4a53-9f3c-0d6f1f7c2a10';
const filled: ServiceFormValues = {
  ...emptyServiceForm,
  name: 'web',
  server_id: serverId,
  registry: 'registry.example.com',
  repository: 'shop/web',
  tag: 'v1',
  registry_username: 'ci',
  registry_password: 'pw',
  env: 'GREETING=hello\n# a comment\nEMPTY=',
};

describe('service form', () => {
  it('builds the CreateService body the API takes', () => {
    const parsed = createServiceBody(filled);
    expect(parsed).toEqual({
      ok: true,
      body: {
        name: 'web',
        server_id: serverId,
        port: 8080,
        replicas: 1,
        env_vars: { GREETING: 'hello', EMPTY: '' },
        health_check: { type: 'http', path: '/health', interval_seconds: 10, timeout_seconds: 5, retries: 3, start_period_seconds: 0 },
        source_type: 'image',
        source_config: { image: { registry: 'registry.example.com', repository: 'shop/web', tag: 'v1' }, registry_auth: { username: 'ci', password: 'pw' } },
      },
    });
  });

  it('puts each problem beside its field: numbers, the image, the server', () => {
    const parsed = createServiceBody({ ...filled, port: '80a', replicas: '' });
    expect(parsed).toEqual({ ok: false, errors: { port: 'Must be a whole number', replicas: 'Required' } });
    const invalid = createServiceBody({ ...filled, port: '70000', tag: 'bad tag', server_id: 'nope', name: ' ' });
    expect(invalid.ok).toBe(false);
    if (!invalid.ok) expect(Object.keys(invalid.errors).sort()).toEqual(['name', 'port', 'server_id', 'tag']);
  });

  it('rejects malformed or repeated environment lines, naming the line', () => {
    expect(parseEnvLines('A=1\nnot a pair')).toEqual({ error: 'Line 2 is not KEY=value' });
    expect(parseEnvLines('A=1\nA=2')).toEqual({ error: 'A is set twice' });
    expect(createServiceBody({ ...filled, env: '1BAD=x' })).toMatchObject({ ok: false, errors: { env: expect.any(String) } });
  });

  it('sends no health check when none is chosen, and a TCP check without a path', () => {
    const none = createServiceBody({ ...filled, health_type: 'none', health_interval: '' });
    expect(none.ok).toBe(true);
    expect(none.ok && 'health_check' in none.body).toBe(false);
    const tcp = createServiceBody({ ...filled, health_type: 'tcp' });
    expect(tcp.ok).toBe(true);
    expect(tcp.ok && tcp.body.health_check).toEqual({ type: 'tcp', interval_seconds: 10, timeout_seconds: 5, retries: 3, start_period_seconds: 0 });
  });

  it('leaves the write-only registry password alone on edit unless the image changes, then asks for it', () => {
    const stored = { ...filled, registry_password: '' };
    expect(updateServiceBody({ ...stored, name: 'web-2' }, stored)).toEqual({
      ok: true,
      body: { name: 'web-2', port: 8080, health_check: expect.objectContaining({ type: 'http' }) },
    });
    expect(updateServiceBody({ ...stored, tag: 'v2' }, stored)).toEqual({
      ok: false,
      errors: { registry_password: 'Type the registry password again to change the image' },
    });
    const retyped = updateServiceBody({ ...stored, tag: 'v2', registry_password: 'pw' }, stored);
    expect(retyped.ok && retyped.body).toMatchObject({ source_type: 'image', source_config: { image: { tag: 'v2' } } });
  });

  it('turns health checking off on edit with null, as the API expects', () => {
    const parsed = updateServiceBody({ ...filled, health_type: 'none' }, filled);
    expect(parsed).toMatchObject({ ok: true, body: { health_check: null } });
  });

  it('builds from the repository: a Dockerfile source with its fields, or a detected one; empty fields are left to the API', () => {
    const dockerfile = createServiceBody({ ...filled, source_type: 'dockerfile', branch: 'release', dockerfile_path: 'docker/web.Dockerfile', target: 'runtime', build_args: 'MODE=prod' });
    expect(dockerfile.ok && { source_type: dockerfile.body.source_type, source_config: dockerfile.body.source_config }).toEqual({
      source_type: 'dockerfile',
      source_config: { branch: 'release', dockerfile_path: 'docker/web.Dockerfile', target: 'runtime', build_args: { MODE: 'prod' } },
    });
    const detected = createServiceBody({ ...filled, source_type: 'nixpacks' });
    expect(detected.ok && detected.body.source_config).toEqual({});
    expect(createServiceBody({ ...filled, source_type: 'dockerfile', dockerfile_path: '../outside' })).toMatchObject({ ok: false, errors: { dockerfile_path: expect.any(String) } });
    expect(createServiceBody({ ...filled, source_type: 'nixpacks', build_args: 'nope' })).toEqual({ ok: false, errors: { build_args: 'Line 1 is not KEY=value' } });
  });

  it('sends an inline Dockerfile exactly as written, without the path, and choosing the repository again clears it', () => {
    const text = 'FROM busybox\n  CMD ["true"]  \n\n';
    const repository = { ...filled, source_type: 'dockerfile' as const, dockerfile_path: 'docker/Dockerfile', build_context: 'web', target: 'run', build_args: 'MODE=prod' };
    const accepted = withInlineDockerfile({ ...repository, source_type: 'nixpacks' }, text);
    const inline = updateServiceBody(accepted, repository);
    expect(inline.ok && inline.body).toMatchObject({
      source_type: 'dockerfile',
      source_config: { dockerfile_content: text, build_context: 'web', target: 'run', build_args: { MODE: 'prod' } },
    });
    expect(inline.ok && inline.body.source_config).not.toHaveProperty('dockerfile_path');
    // Only trailing blanks changed: still a change, as the text is built exactly.
    expect(updateServiceBody({ ...accepted, dockerfile_content: `${text} ` }, accepted)).toMatchObject({ ok: true, body: { source_config: { dockerfile_content: `${text} ` } } });
    const cleared = updateServiceBody({ ...accepted, dockerfile_from: 'repository' }, accepted);
    expect(cleared.ok && cleared.body.source_config).toEqual({ dockerfile_path: 'docker/Dockerfile', build_context: 'web', target: 'run', build_args: { MODE: 'prod' } });
    expect(createServiceBody({ ...accepted, dockerfile_content: '' })).toMatchObject({ ok: false, errors: { dockerfile_content: expect.stringContaining('cannot be empty') } });
  });
});

describe('build log', () => {
  it('merges the stored log and arriving lines by number: each once, in order', () => {
    const stored = storedBuildLog('a\nb');
    const arrived = withArrivedLines(withArrivedLines(new Map(), { deployment_id: serverId, service_id: serverId, lines: [{ line_no: 3, at: '', text: 'd' }] }), {
      deployment_id: serverId,
      service_id: serverId,
      lines: [
        { line_no: 1, at: '', text: 'b' },
        { line_no: 2, at: '', text: 'c' },
      ],
    });
    expect(buildLogText(stored, arrived)).toEqual(['a', 'b', 'c', 'd']);
  });
});
