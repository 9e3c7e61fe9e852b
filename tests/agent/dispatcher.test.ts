import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createCommandDispatcher } from '../../agent/commands/index.js';
import type { OutboundMessage } from '../../agent/outbound.js';
import { connectDocker } from '../../agent/runtime/docker.js';
import { ServiceRegistry } from '../../agent/runtime/service-registry.js';
import { CommandResponsePayload } from '../../contracts/index.js';
import { envelope } from './harness.js';

function dispatcher() {
  const docker = connectDocker();
  const sent: OutboundMessage[] = [];
  const commands = createCommandDispatcher(
    { docker, services: new ServiceRegistry(docker), log: pino({ level: 'silent' }) },
    (message) => sent.push(message),
  );
  return { commands, sent };
}

describe('command dispatcher', () => {
  it('answers an unknown command type with UNKNOWN_COMMAND and the request id', async () => {
    const { commands, sent } = dispatcher();
    const response = await commands.handleCommand(envelope('reboot', { request_id: 'req-1' }));

    expect(response).toMatchObject({ request_id: 'req-1', success: false, error: { code: 'UNKNOWN_COMMAND' } });
    expect(response.success === false && response.error.message).toContain('"reboot"');
    expect(sent).toEqual([{ type: 'command_response', payload: response }]);
    expect(CommandResponsePayload.safeParse(response).success).toBe(true);
  });

  it('answers session traffic sent as a command with UNKNOWN_COMMAND', async () => {
    const { commands } = dispatcher();
    const response = await commands.handleCommand(envelope('ping', { nonce: 'n1', sent_at: new Date().toISOString() }));
    expect(response).toMatchObject({ success: false, error: { code: 'UNKNOWN_COMMAND' } });
  });

  it('answers a malformed command with INVALID_COMMAND naming every faulty path', async () => {
    const { commands } = dispatcher();
    const response = await commands.handleCommand(
      envelope('scale', { request_id: 'req-2', service_id: 'not-a-uuid', replicas: -1, strategy: 'sideways' }),
    );

    expect(response).toMatchObject({ request_id: 'req-2', success: false, error: { code: 'INVALID_COMMAND' } });
    const details = response.success ? undefined : (response.error.details as { issues: { path: string }[] });
    expect(details?.issues.map((issue) => issue.path).sort()).toEqual(['payload.replicas', 'payload.service_id', 'payload.strategy']);
  });

  it('answers frames that are not messages at all, without throwing', async () => {
    const { commands } = dispatcher();
    for (const raw of [null, 'deploy', 42, [], {}, { type: 'deploy' }]) {
      const response = await commands.handleCommand(raw);
      expect(response).toMatchObject({ request_id: 'unidentified', success: false, error: { code: 'INVALID_COMMAND' } });
    }
  });

  it('answers a valid command for a service this server does not run with CONTAINER_NOT_FOUND', async () => {
    const { commands } = dispatcher();
    const response = await commands.handleCommand(
      envelope('stop', { request_id: 'req-3', service_id: crypto.randomUUID(), timeout_seconds: 1, remove_container: true }),
    );
    expect(response).toMatchObject({ request_id: 'req-3', success: false, error: { code: 'CONTAINER_NOT_FOUND' } });
  });

  it('refuses update_agent with UPDATE_NOT_SUPPORTED instead of pretending to update', async () => {
    const { commands } = dispatcher();
    const response = await commands.handleCommand(
      envelope('update_agent', { request_id: 'req-4', version: '0.2.0', download_url: 'https://example.com/agent', sha256: 'a'.repeat(64) }),
    );
    expect(response).toMatchObject({ request_id: 'req-4', success: false, error: { code: 'UPDATE_NOT_SUPPORTED' } });
  });
});
