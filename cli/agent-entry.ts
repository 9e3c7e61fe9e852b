// Entry point of the agent's release bundle (agent/release/bundle.ts; `npm run build:agent` →
// dist/syntra-agent.mjs): the agent alone with its dependencies in one file, without the control
// plane's modules or the TypeScript loader, which keeps it small on every server (docs/benchmarks.md).
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { AGENT_VERSION } from '../agent/version.js';
import { runAgentCommand } from './agent.js';
import { UsageError } from './usage-error.js';

const { values } = parseArgs({
  allowPositionals: true,
  options: { url: { type: 'string' }, token: { type: 'string' }, version: { type: 'boolean' } },
});
if (values.version) {
  // `update_agent` runs a downloaded bundle this way before trusting it.
  process.stdout.write(`${AGENT_VERSION}\n`);
  process.exit(0);
}
runAgentCommand({
  url: values.url,
  token: values.token,
  logLevel: process.env.LOG_LEVEL ?? 'info',
  bundlePath: fileURLToPath(import.meta.url),
}).catch((error: unknown) => {
  process.stderr.write(`syntra-agent: ${error instanceof UsageError ? error.message : error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
