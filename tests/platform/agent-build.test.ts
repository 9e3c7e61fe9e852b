import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('the standalone agent build', () => {
  it('bundles the agent alone and the bundle loads and explains its arguments', async () => {
    await run('npm', ['run', '--silent', 'build:agent']);
    const attempt = run(process.execPath, ['dist/syntra-agent.mjs', '--url', 'http://127.0.0.1:1'], { env: { PATH: process.env.PATH } });
    await expect(attempt).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('needs --token') });
  }, 60_000);
});
