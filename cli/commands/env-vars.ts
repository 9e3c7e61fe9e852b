import { readFile } from 'node:fs/promises';
import { parseEnv } from 'node:util';
import type { Command } from 'commander';
import type { EnvVar } from '../../contracts/api/resources.js';
import { EnvVarName } from '../../contracts/primitives.js';
import { ApiFailure } from '../client/api-client.js';
import { findService } from '../client/service-names.js';
import { printJson, printLine, printTable } from '../terminal/output.js';
import { UsageError } from '../usage-error.js';
import { connect, type GlobalOptions, type Session } from './session.js';

/*
 * `syntra env list|set|unset <service>`. Values print masked unless --reveal (secrets then need
 * `secrets.read`, and the API audits it). The API replaces the whole set on PUT and a masked
 * secret would be stored as its mask, so `set` starts from the revealed values when the service
 * has secrets, as the UI's editor does.
 */

const MASK = '********';

/** `KEY=VALUE` arguments and `.env` files, later ones winning, parsed as Node parses .env files. */
async function variablesFrom(pairs: string[], files: string[]): Promise<Record<string, string>> {
  const parsed: Record<string, string> = {};
  for (const file of files) {
    const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new UsageError(`Cannot read ${file}: ${error.code ?? error.message}`);
    });
    Object.assign(parsed, parseEnv(text));
  }
  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    if (equals <= 0) throw new UsageError(`${pair} is not KEY=VALUE`);
    parsed[pair.slice(0, equals)] = pair.slice(equals + 1);
  }
  for (const key of Object.keys(parsed)) if (!EnvVarName.safeParse(key).success) throw new UsageError(`${key} cannot name an environment variable`);
  return parsed;
}

async function currentVariables(api: Session, serviceId: string): Promise<EnvVar[]> {
  const masked = await api.call('listEnvVars', { params: { serviceId } });
  if (!masked.some((variable) => variable.is_secret)) return masked;
  try {
    return await api.call('listEnvVars', { params: { serviceId }, query: { reveal: 'true' } });
  } catch (error) {
    if (error instanceof ApiFailure && error.code === 'FORBIDDEN') {
      throw new UsageError('This service has secrets, and changing its variables rewrites them all: that needs the secrets.read permission (owner or admin)');
    }
    throw error;
  }
}

export function registerEnvCommands(env: Command, globals: () => GlobalOptions): void {
  env
    .command('list')
    .argument('<service>', 'name, project/name or id')
    .description("a service's environment variables, values masked")
    .option('--reveal', 'show the values (secrets need secrets.read; the API audits it)')
    .option('--json', 'print the API resources')
    .action(async (name: string, options: { reveal?: boolean; json?: boolean }) => {
      const api = await connect(globals());
      const { service } = await findService(api, name);
      const variables = await api.call('listEnvVars', { params: { serviceId: service.id }, query: options.reveal ? { reveal: 'true' } : {} });
      const shown = options.reveal ? variables : variables.map((variable) => ({ ...variable, value: MASK }));
      if (options.json) return printJson(shown);
      printTable(['KEY', 'VALUE', 'SECRET'], shown.map((variable) => [variable.key, variable.value, variable.is_secret ? 'yes' : '']));
    });

  env
    .command('set')
    .argument('<service>', 'name, project/name or id')
    .argument('[pairs...]', 'KEY=VALUE pairs')
    .description('set variables, keeping the others')
    .option('--file <path...>', 'read KEY=VALUE lines from .env files')
    .option('--secret', 'store these values as secrets (masked in listings)')
    .addHelpText('after', '\nExamples:\n  syntra env set web LOG_LEVEL=debug\n  syntra env set web --file .env.production --secret')
    .action(async (name: string, pairs: string[], options: { file?: string[]; secret?: boolean }) => {
      const changes = await variablesFrom(pairs, options.file ?? []);
      if (Object.keys(changes).length === 0) throw new UsageError('Nothing to set: give KEY=VALUE pairs or --file');
      const api = await connect(globals());
      const { service } = await findService(api, name);
      const existing = await currentVariables(api, service.id);
      const kept = existing.filter((variable) => !(variable.key in changes));
      const changed = Object.entries(changes).map(([key, value]) => ({
        key,
        value,
        is_secret: options.secret ?? existing.find((variable) => variable.key === key)?.is_secret ?? false,
      }));
      await api.call('putEnvVars', { params: { serviceId: service.id }, body: { variables: [...kept, ...changed] } });
      printLine(`Set ${changed.map((variable) => variable.key).join(', ')} on ${service.name}: deploy or restart for running containers to get them`);
    });

  env
    .command('unset')
    .argument('<service>', 'name, project/name or id')
    .argument('<keys...>', 'the variables to remove')
    .description('remove variables')
    .action(async (name: string, keys: string[]) => {
      const api = await connect(globals());
      const { service } = await findService(api, name);
      for (const key of keys) await api.call('deleteEnvVar', { params: { serviceId: service.id, key } });
      printLine(`Removed ${keys.join(', ')} from ${service.name}`);
    });
}
