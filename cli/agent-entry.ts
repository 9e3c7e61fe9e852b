// Entry point of the standalone agent build (`npm run build:agent` → dist/syntra-agent.mjs): the
// agent alone, without the control plane's modules or the TypeScript loader, which is what keeps
// it small on every server (see docs/benchmarks.md).
import { parseArgs } from 'node:util';
import { runAgentCommand } from './agent.js';
import { UsageError } from './usage-error.js';

const { values } = parseArgs({ allowPositionals: true, options: { url: { type: 'string' }, token: { type: 'string' } } });
runAgentCommand({
  url: values.url,
  token: values.token,
  logLevel: process.env.LOG_LEVEL ?? 'info',
}).catch((error: unknown) => {
  process.stderr.write(`syntra-agent: ${error instanceof UsageError ? error.message : error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
