import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliHome } from './run-cli.js';

/*
 * `syntra agent` refuses build caps it cannot use before it connects anywhere, naming the
 * variable: a typo must not leave builds uncapped, or capped to nothing, unnoticed.
 */

let home: Awaited<ReturnType<typeof cliHome>>;

beforeAll(async () => {
  home = await cliHome();
});

afterAll(async () => {
  await home?.cleanup();
});

const agentWith = (env: Record<string, string>) => home.run(['agent', '--url', 'http://127.0.0.1:9', '--token', 'syn_agt_not-a-real-token'], { env });

describe('the build caps of syntra agent', () => {
  it.each([
    [{ SYNTRA_AGENT_BUILD_CPUS: 'half' }, 'SYNTRA_AGENT_BUILD_CPUS must be a positive number'],
    [{ SYNTRA_AGENT_BUILD_CPUS: '0' }, 'SYNTRA_AGENT_BUILD_CPUS must be a positive number'],
    [{ SYNTRA_AGENT_BUILD_MEMORY_MB: '1.5' }, 'SYNTRA_AGENT_BUILD_MEMORY_MB must be a positive whole number'],
    [{ SYNTRA_AGENT_BUILD_CGROUP: 'docker/../../etc' }, 'SYNTRA_AGENT_BUILD_CGROUP must be a cgroup path such as /docker/buildkit'],
  ])('refuses %o', async (env, message) => {
    const run = await agentWith(env);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(message);
  }, 60_000);
});
