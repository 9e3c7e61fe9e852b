#!/usr/bin/env node
// `npm test`: checks that every import points down a floor (.dependency-cruiser.cjs), readies the
// machine (missing packages installed when root on Debian, dockerd started, the Temporal CLI;
// cli/setup.ts), builds the web UI, then runs the whole suite once.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const step = (command, args, env = {}) => {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (result.status !== 0) process.exit(result.status ?? 1);
};
step('npm', ['run', '--silent', 'check:imports']);
step(process.execPath, ['bin/syntra.js', 'setup', '--tests']);
// The API serves ui/dist; the UI tests drive it in Chromium, and build it again only if it is stale
// (tests/ui/production-build.ts). NODE_ENV stated, so an inherited `test` cannot bundle React's development build.
step(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--config', 'ui/vite.config.ts', '--logLevel', 'warn'], { NODE_ENV: 'production' });
step(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', ...process.argv.slice(2)]);
