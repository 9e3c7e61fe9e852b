import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { ApiFailure } from '../client/api-client.js';
import { findProject, findService, uuidPattern } from '../client/service-names.js';
import { printLine } from '../terminal/output.js';
import { interactive } from '../terminal/prompt.js';
import { UsageError } from '../usage-error.js';
import { connect, type GlobalOptions, type Session } from './session.js';

/* `syntra open [what]`: the UI's page for a thing, served by the control plane at its own URL. */

async function exists(lookup: () => Promise<unknown>): Promise<boolean> {
  try {
    await lookup();
    return true;
  } catch (error) {
    if (error instanceof ApiFailure && error.code === 'NOT_FOUND') return false;
    throw error;
  }
}

async function pageFor(api: Session, what: string | undefined): Promise<string> {
  if (!what || what === 'projects') return '/projects';
  if (what === 'servers') return '/servers';
  if (uuidPattern.test(what)) {
    // An id names a service, a deployment or a project: the first that exists.
    if (await exists(() => api.call('getService', { params: { serviceId: what } }))) return `/services/${what}`;
    if (await exists(() => api.call('getDeployment', { params: { deploymentId: what } }))) return `/deployments/${what}`;
    if (await exists(() => api.call('getProject', { params: { projectId: what } }))) return `/projects/${what}`;
    throw new UsageError(`No service, deployment or project has the id ${what}`);
  }
  try {
    return `/services/${(await findService(api, what)).service.id}`;
  } catch (error) {
    if (!(error instanceof UsageError) || what.includes('/')) throw error;
    return `/projects/${(await findProject(api, what)).id}`;
  }
}

function openInBrowser(url: string): void {
  const [program, ...args] = process.platform === 'darwin' ? ['open', url] : process.platform === 'win32' ? ['cmd', '/c', 'start', '', url] : ['xdg-open', url];
  const opener = spawn(program!, args, { stdio: 'ignore', detached: true });
  opener.on('error', () => process.stderr.write(`Could not start a browser (${program}): open the URL above yourself\n`));
  opener.unref();
}

export function registerOpenCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('open')
    .argument('[what]', 'projects (default), servers, a service or project name, or an id')
    .description("the UI's page in your browser (its URL only, off a terminal or with --print)")
    .option('--print', 'print the URL, do not open a browser')
    .action(async (what: string | undefined, options: { print?: boolean }) => {
      const api = await connect(globals());
      const url = `${api.url}${await pageFor(api, what)}`;
      printLine(url);
      if (!options.print && interactive()) openInBrowser(url);
    });
}
