import { ensureTokenSigningKey } from '../../control/registry/token-keys.js';
import { registryService, tokenIssuer } from '../../control/registry/token-server.js';
import { freePort } from '../../engines/ports.js';
import { startRegistry, type RunningRegistry } from '../../engines/registry.js';
import { startGitServer, type GitServer } from '../support/git-server.js';
import { startOperationsStack, type OperationsStack, type StackOptions } from '../operations/operations-stack.js';
import { FAST_HTTP_CHECK } from '../operations/stack.js';

/*
 * The operations stack, plus what builds need: the platform's registry with token auth (the API
 * is its token server) and a git server with a repository whose Dockerfile starts from the local
 * test image (no public registry is reachable).
 */

/** A Dockerfile from the test image that serves `version` as /version. */
export function dockerfileServing(version: string, extra = ''): string {
  return ['FROM syntra-agent-test/http:v1', `RUN echo ${version} > /www/version`, extra, 'COPY site/ /www/site/', ''].join('\n');
}

export async function startBuildStack(label: string, apiOverrides: Record<string, string> = {}, options: StackOptions = {}) {
  const registryPort = await freePort();
  const stack: OperationsStack = await startOperationsStack(label, { REGISTRY_URL: `http://127.0.0.1:${registryPort}`, ...apiOverrides }, options);
  const signer = await ensureTokenSigningKey(stack.api.config.dataDir);
  const registry: RunningRegistry = await startRegistry({
    directory: `${stack.api.config.dataDir}/registry`,
    port: registryPort,
    realm: `${stack.baseUrl}/registry/token`,
    service: registryService,
    issuer: tokenIssuer,
    certificateFile: signer.certificateFile,
  });
  const git: GitServer = await startGitServer(label);
  const { rest } = stack;
  const patched = await rest.call('PATCH', `/projects/${stack.project.id}`, {
    git_repo_url: git.url,
    git_branch: 'main',
    git_credentials: { kind: 'token', username: 'ci', token: git.token },
  });
  if (patched.status !== 200) throw new Error(`could not set the project's repository: ${JSON.stringify(patched.body)}`);

  let made = 0;
  return {
    ...stack,
    registry,
    git,
    signer,
    /** A Dockerfile service of the project on the stack's server, built from the repository. */
    async buildService(sourceConfig: Record<string, unknown> = {}) {
      made += 1;
      const created = await rest.call('POST', `/projects/${stack.project.id}/services`, {
        name: `built-${made}`,
        server_id: stack.host.server.id,
        source_type: 'dockerfile',
        source_config: sourceConfig,
        port: 8080,
        health_check: FAST_HTTP_CHECK,
      });
      if (created.status !== 201) throw new Error(`could not create the service: ${JSON.stringify(created.body)}`);
      stack.serviceIds.push(created.body.data.id as string);
      return created.body.data as { id: string; name: string };
    },
    async stop() {
      await stack.stop(async () => {
        await registry.stop();
      });
      await git.close();
    },
  };
}

export type BuildStack = Awaited<ReturnType<typeof startBuildStack>>;
