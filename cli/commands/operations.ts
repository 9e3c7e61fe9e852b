import type { Command } from 'commander';
import { MAX_PAGE_SIZE } from '../../contracts/api/queries.js';
import { DeployStrategy } from '../../contracts/websocket/deploy.js';
import type { Deployment } from '../../contracts/api/resources.js';
import { findService, type NamedService } from '../client/service-names.js';
import { colors, printJson, printLine, statusText } from '../terminal/output.js';
import { ExitWith } from '../terminal/exit-codes.js';
import { UsageError } from '../usage-error.js';
import { reportOutcome, watchDeployment } from './deployment-watch.js';
import { connect, type GlobalOptions, type Session } from './session.js';

/* Deploy, roll back, scale, restart and cancel: each one call of the API, deploys followed to their end. */

interface WaitOptions {
  wait: boolean;
  json?: boolean;
}

const label = ({ project, service }: NamedService) => `${project.slug}/${service.name}`;

/** Follows a started deployment unless --no-wait, and ends the command with its exit code. */
async function follow(api: Session, deployment: Deployment, found: NamedService, options: WaitOptions): Promise<void> {
  const stream = options.json ? process.stderr : process.stdout;
  const write = (line: string) => stream.write(`${line}\n`);
  const started = `${label(found)}: deployment ${deployment.id} ${statusText(deployment.status)}`;
  if (!options.wait) {
    write(started);
    if (options.json) printJson(deployment);
    return;
  }
  // Watching first: from the line a person sees on, Ctrl-C asks instead of ending the command.
  const watching = watchDeployment(api, deployment.id, found.service.id, { stream, serviceLabel: label(found) });
  write(started);
  const detail = await watching;
  if (options.json) printJson(detail);
  const code = reportOutcome(detail, label(found), write);
  if (code !== 0) throw new ExitWith(code);
}

function positiveInt(value: string): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`${value} is not a whole number`);
  return Number(value);
}

/** `--to` as a whole id or the first characters of one of the service's recent deployments. */
async function rollbackTarget(api: Session, found: NamedService, to: string | undefined): Promise<Deployment> {
  const recent = await api.call('listDeployments', { params: { serviceId: found.service.id }, query: { limit: MAX_PAGE_SIZE } });
  if (to) {
    const matches = recent.filter((deployment) => deployment.id.startsWith(to));
    if (matches.length === 1) return matches[0]!;
    throw new UsageError(matches.length === 0 ? `No recent deployment of ${label(found)} starts with ${to}` : `${to} starts ${matches.length} deployments: give more of the id`);
  }
  const earlier = recent.find((deployment) => deployment.status === 'running' && deployment.id !== found.service.current_deployment_id);
  if (!earlier) throw new UsageError(`${label(found)} has no earlier running deployment to return to: name one with --to`);
  return earlier;
}

export function registerOperationCommands(program: Command, globals: () => GlobalOptions): void {
  program
    .command('deploy')
    .argument('<service>', 'name, project/name or id')
    .description('deploy a service and follow it until it runs or fails')
    .option('--tag <tag>', 'the image tag (image services)')
    .option('--ref <ref>', 'the commit SHA or branch (git services)')
    .option('--strategy <strategy>', `how the new containers replace the old: ${DeployStrategy.options.join(', ')}`)
    .option('--rollback-on-failure', 'return to the running deployment if this one fails')
    .option('--timeout <seconds>', 'how long the agent may take to roll out', positiveInt)
    .option('--no-wait', 'start it and return at once')
    .option('--json', 'print the deployment resource (progress goes to stderr)')
    .addHelpText('after', '\nExit codes: 0 running, 3 failed / rolled_back / cancelled, 1 refused, 130 stopped watching.\n\nExamples:\n  syntra deploy shop/web --tag v2\n  syntra deploy web --strategy blue_green --rollback-on-failure')
    .action(async (name: string, options: WaitOptions & { tag?: string; ref?: string; strategy?: string; rollbackOnFailure?: boolean; timeout?: number }) => {
      const strategy = options.strategy === undefined ? undefined : DeployStrategy.safeParse(options.strategy);
      if (strategy && !strategy.success) throw new UsageError(`--strategy is one of ${DeployStrategy.options.join(', ')}`);
      const api = await connect(globals());
      const found = await findService(api, name);
      const deployment = await api.call('deployService', {
        params: { serviceId: found.service.id },
        body: {
          ...(options.tag ? { image_tag: options.tag } : {}),
          ...(options.ref ? { git_ref: options.ref } : {}),
          ...(strategy ? { strategy: strategy.data } : {}),
          ...(options.rollbackOnFailure ? { rollback_on_failure: true } : {}),
          ...(options.timeout ? { timeout_seconds: options.timeout } : {}),
        },
      });
      await follow(api, deployment, found, options);
    });

  program
    .command('rollback')
    .argument('<service>', 'name, project/name or id')
    .description('return a service to an earlier deployment (default: the last running one before the current)')
    .option('--to <deployment>', 'the deployment to return to: its id or first characters')
    .option('--no-wait', 'start it and return at once')
    .option('--json', 'print the deployment resource (progress goes to stderr)')
    .action(async (name: string, options: WaitOptions & { to?: string }) => {
      const api = await connect(globals());
      const found = await findService(api, name);
      const target = await rollbackTarget(api, found, options.to);
      const deployment = await api.call('rollbackService', { params: { serviceId: found.service.id }, body: { deployment_id: target.id } });
      await follow(api, deployment, found, options);
    });

  program
    .command('scale')
    .argument('<service>', 'name, project/name or id')
    .argument('<replicas>', 'how many containers', positiveInt)
    .description("change a service's number of replicas")
    .option('--json', 'print the service resource')
    .action(async (name: string, replicas: number, options: { json?: boolean }) => {
      const api = await connect(globals());
      const found = await findService(api, name);
      const service = await api.call('scaleService', { params: { serviceId: found.service.id }, body: { replicas } });
      if (options.json) return printJson(service);
      printLine(`${label(found)}: scaling to ${service.replicas} replica${service.replicas === 1 ? '' : 's'}`);
    });

  program
    .command('restart')
    .argument('<service>', 'name, project/name or id')
    .description("restart a service's containers")
    .action(async (name: string) => {
      const api = await connect(globals());
      const found = await findService(api, name);
      await api.call('restartService', { params: { serviceId: found.service.id } });
      printLine(`${label(found)}: restarting`);
    });

  program
    .command('cancel')
    .argument('<deployment>', 'the deployment id')
    .description('cancel a deployment that has not finished')
    .option('--json', 'print the deployment resource')
    .action(async (deploymentId: string, options: { json?: boolean }) => {
      const api = await connect(globals());
      const deployment = await api.call('cancelDeployment', { params: { deploymentId } });
      if (options.json) return printJson(deployment);
      printLine(`deployment ${deployment.id}: ${statusText(deployment.status)}${colors.dim(' (cancel requested)')}`);
    });
}
