import type { Command } from 'commander';
import { environmentVariables, loadConfig } from '../config/env.js';

/*
 * The commands that run the platform itself. Each loads only its own modules: the worker never
 * imports the engines, and start-up stays short.
 */
export function registerPlatformCommands(program: Command): void {
  program
    .command('dev')
    .description('start PostgreSQL, ClickHouse, Temporal, the API and the worker')
    .action(async () => (await import('./dev.js')).runDev(loadConfig()));
  program
    .command('api')
    .description('run the API process alone (needs DATABASE_URL and TEMPORAL_ADDRESS)')
    .option('--supervised', 'started by `syntra dev`: end with it', false)
    .action(async (options: { supervised: boolean }) => (await import('./api.js')).runApi(loadConfig(), { supervised: options.supervised }));
  program
    .command('worker')
    .description('run the Temporal worker alone (needs TEMPORAL_ADDRESS)')
    .option('--supervised', 'started by `syntra dev`: end with it', false)
    .action(async (options: { supervised: boolean }) => (await import('./worker.js')).runWorker(loadConfig(), { supervised: options.supervised }));
  program
    .command('agent')
    .description('run the agent on this server (--url <control plane> --token <agent token>)')
    .option('--url <url>', 'the control plane (default: SYNTRA_AGENT_URL)')
    .option('--token <token>', 'the agent token (default: SYNTRA_AGENT_TOKEN)')
    .option('--supervised', 'started by `syntra dev`: end with it', false)
    .action(async (options: { url?: string; token?: string; supervised: boolean }) =>
      (await import('./agent.js')).runAgentCommand({ url: options.url, token: options.token, logLevel: loadConfig().LOG_LEVEL, supervised: options.supervised }),
    );
  program
    .command('backup')
    .description('write one archive of the platform database (pg_dump; never the master key)')
    .option('-o, --output <file>', 'the archive to write', `syntra-backup-${new Date().toISOString().replace(/[:.]/g, '-')}.tar`)
    .action(async (options: { output: string }) => (await import('./backup/backup.js')).runBackup(loadConfig(), options.output));
  program
    .command('restore <archive>')
    .description('restore a `syntra backup` archive into an empty database (needs the master key it was made under)')
    .action(async (archive: string) => (await import('./backup/restore.js')).runRestore(loadConfig(), archive));
  program
    .command('setup')
    .description('install the tools Syntra needs locally (the Temporal CLI)')
    .option('--tests', 'also what the test suite needs, and start Docker', false)
    .action(async (options: { tests: boolean }) => (await import('./setup.js')).runSetup(loadConfig(), { tests: options.tests }));
}

/** `syntra env platform`: beside the service commands of `syntra env`. */
export function registerPlatformVariables(env: Command): void {
  env
    .command('platform')
    .description('list the environment variables Syntra itself reads')
    .action(() => {
      for (const [name, { doc }] of Object.entries(environmentVariables)) process.stdout.write(`${name.padEnd(24)} ${doc}\n`);
    });
}
