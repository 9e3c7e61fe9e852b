import type { Command } from 'commander';
import { MAX_PAGE_SIZE } from '../../contracts/api/queries.js';
import type { Deployment, Server } from '../../contracts/api/resources.js';
import { allProjects, allServices, findProject, findService } from '../client/service-names.js';
import { colors, printJson, printLine, printTable, shortId, statusText } from '../terminal/output.js';
import { connect, type GlobalOptions } from './session.js';

/* What there is: projects, services, servers, and how a service is doing. */

const jsonOption = ['--json', 'print the API resources as JSON'] as const;

async function allServers(api: Awaited<ReturnType<typeof connect>>): Promise<Server[]> {
  const servers: Server[] = [];
  for (let page = 1; ; page += 1) {
    const batch = await api.call('listServers', { query: { page, per_page: MAX_PAGE_SIZE } });
    servers.push(...batch);
    if (batch.length < MAX_PAGE_SIZE) return servers;
  }
}

const deploymentCell = (deployment: Deployment | undefined) => (deployment ? `${statusText(deployment.status)} ${colors.dim(shortId(deployment.id))}` : colors.dim('never deployed'));

export function registerListingCommands(program: Command, globals: () => GlobalOptions): void {
  program
    .command('projects')
    .description('projects of your organization')
    .command('list')
    .option(...jsonOption)
    .action(async (options: { json?: boolean }) => {
      const projects = await allProjects(await connect(globals()));
      if (options.json) return printJson(projects);
      printTable(['NAME', 'SLUG', 'ID', 'REPOSITORY'], projects.map((project) => [project.name, project.slug, project.id, project.git_repo_url ?? '']));
    });

  program
    .command('services')
    .description("services of your organization's projects")
    .command('list')
    .option('--project <project>', 'only this project (slug, name or id)')
    .option(...jsonOption)
    .action(async (options: { project?: string; json?: boolean }) => {
      const api = await connect(globals());
      const services = await allServices(api, options.project ? [await findProject(api, options.project)] : undefined);
      if (options.json) return printJson(services.map(({ service }) => service));
      printTable(
        ['PROJECT/SERVICE', 'TYPE', 'REPLICAS', 'ID'],
        services.map(({ service, project }) => [`${project.slug}/${service.name}`, service.type, String(service.replicas), service.id]),
      );
    });

  program
    .command('servers')
    .description('servers registered with the control plane')
    .command('list')
    .option(...jsonOption)
    .action(async (options: { json?: boolean }) => {
      const servers = await allServers(await connect(globals()));
      if (options.json) return printJson(servers);
      printTable(
        ['NAME', 'STATUS', 'ADDRESS', 'AGENT', 'ID'],
        servers.map((server) => [server.name, statusText(server.status), server.public_ip ?? server.hostname ?? '', server.agent_version ?? '', server.id]),
      );
    });

  program
    .command('status')
    .argument('[service]', 'a service (name, project/name or id); none: every service')
    .description("a service's current deployment, replicas, server and open issues")
    .option(...jsonOption)
    .addHelpText('after', '\nExamples:\n  syntra status\n  syntra status shop/web --json')
    .action(async (name: string | undefined, options: { json?: boolean }) => {
      const api = await connect(globals());
      if (!name) {
        const services = await allServices(api);
        const detailed = await Promise.all(services.map(async (found) => ({ ...found, detail: await api.call('getService', { params: { serviceId: found.service.id } }) })));
        if (options.json) return printJson(detailed.map(({ detail }) => detail));
        printTable(
          ['PROJECT/SERVICE', 'DEPLOYMENT', 'REPLICAS'],
          detailed.map(({ project, detail }) => [`${project.slug}/${detail.name}`, deploymentCell(detail.recent_deployments[0]), String(detail.replicas)]),
        );
        return;
      }
      const { service, project } = await findService(api, name);
      const [detail, server, issues] = await Promise.all([
        api.call('getService', { params: { serviceId: service.id } }),
        api.call('getServer', { params: { serverId: service.server_id } }),
        api.call('listIssues', { params: { projectId: project.id }, query: { service_id: service.id, status: 'unresolved', per_page: MAX_PAGE_SIZE } }),
      ]);
      if (options.json) return printJson({ service: detail, server, open_issues: issues });
      const current = detail.recent_deployments.find((deployment) => deployment.id === detail.current_deployment_id);
      const latest = detail.recent_deployments[0];
      printLine(`${colors.bold(`${project.slug}/${detail.name}`)} ${colors.dim(detail.id)}`);
      printLine(`  current     ${current ? `${deploymentCell(current)} since ${current.finished_at ?? current.created_at}` : colors.dim('none running')}`);
      if (latest && latest.id !== current?.id) printLine(`  latest      ${deploymentCell(latest)}${latest.error_message ? ` ${latest.error_message}` : ''}`);
      printLine(`  replicas    ${detail.replicas}`);
      printLine(`  server      ${server.name} (${statusText(server.status)})`);
      if (detail.domains.length > 0) printLine(`  domains     ${detail.domains.join(', ')}`);
      printLine(`  open issues ${issues.length === 0 ? 'none' : issues.length}`);
      for (const issue of issues.slice(0, 5)) printLine(`    ${colors.red('•')} ${issue.title} ${colors.dim(`×${issue.event_count}`)}`);
    });
}
