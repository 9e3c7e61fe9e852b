import { parseArgs } from 'node:util';
import { ConfigError, environmentVariables, loadConfig, type Config } from '../config/env.js';
import { PortInUseError } from '../engines/ports.js';
import { PrerequisiteError } from './prerequisites.js';
import { UsageError } from './usage-error.js';

// Each command loads only its own modules: the worker never imports the engines, and start-up stays short.
type Flags = { url?: string | undefined; token?: string | undefined; tests: boolean };
const commands: Record<string, { summary: string; run(config: Config, supervised: boolean, flags: Flags): Promise<void> }> = {
  dev: { summary: 'start PostgreSQL, ClickHouse, Temporal, the API and the worker', run: async (config) => (await import('./dev.js')).runDev(config) },
  api: { summary: 'run the API process alone (needs DATABASE_URL and TEMPORAL_ADDRESS)', run: async (config, supervised) => (await import('./api.js')).runApi(config, { supervised }) },
  worker: { summary: 'run the Temporal worker alone (needs TEMPORAL_ADDRESS)', run: async (config, supervised) => (await import('./worker.js')).runWorker(config, { supervised }) },
  agent: {
    summary: 'run the agent on this server (--url <control plane> --token <agent token>)',
    run: async (config, supervised, values) =>
      (await import('./agent.js')).runAgentCommand({
        url: values.url,
        token: values.token,
        logLevel: config.LOG_LEVEL,
        supervised,
      }),
  },
  setup: {
    summary: 'install the tools Syntra needs locally (the Temporal CLI); --tests: also what the test suite needs, and start Docker',
    run: async (config, _supervised, values) => (await import('./setup.js')).runSetup(config, { tests: values.tests }),
  },
  env: {
    summary: 'list the environment variables Syntra reads',
    run: async () => {
      for (const [name, { doc }] of Object.entries(environmentVariables)) process.stdout.write(`${name.padEnd(24)} ${doc}\n`);
    },
  },
};

function usage(): string {
  const lines = Object.entries(commands).map(([name, { summary }]) => `  ${name.padEnd(8)} ${summary}`);
  return `Usage: syntra <command>\n\nCommands:\n${lines.join('\n')}\n`;
}

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      supervised: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      url: { type: 'string' },
      token: { type: 'string' },
      tests: { type: 'boolean', default: false },
    },
  });
  const command = positionals[0] ? commands[positionals[0]] : undefined;
  if (values.help || !command) {
    process.stdout.write(usage());
    return values.help ? 0 : 2;
  }
  await command.run(loadConfig(), values.supervised, { url: values.url, token: values.token, tests: values.tests });
  return 0;
}

main().then(
  (code) => {
    if (code !== 0) process.exit(code);
  },
  (error: unknown) => {
    // Problems a person can fix get one clear line; anything else keeps its stack.
    if (error instanceof ConfigError || error instanceof PortInUseError || error instanceof UsageError || error instanceof PrerequisiteError) process.stderr.write(`syntra: ${error.message}\n`);
    else process.stderr.write(`syntra: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
