import type { Command } from 'commander';
import { IssueStatus } from '../../contracts/api/observability.js';
import { MAX_PAGE_SIZE } from '../../contracts/api/queries.js';
import { findProject } from '../client/service-names.js';
import { colors, printJson, printTable } from '../terminal/output.js';
import { UsageError } from '../usage-error.js';
import { connect, type GlobalOptions } from './session.js';

export function registerIssuesCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('issues')
    .argument('<project>', 'slug, name or id')
    .description("a project's issues (error groups), most recently seen first")
    .option('--status <status>', `only these: ${IssueStatus.options.join(', ')}`)
    .option('--json', 'print the API resources')
    .action(async (name: string, options: { status?: string; json?: boolean }) => {
      const status = options.status === undefined ? undefined : IssueStatus.safeParse(options.status);
      if (status && !status.success) throw new UsageError(`--status is one of ${IssueStatus.options.join(', ')}`);
      const api = await connect(globals());
      const project = await findProject(api, name);
      const issues = await api.call('listIssues', { params: { projectId: project.id }, query: { per_page: MAX_PAGE_SIZE, ...(status ? { status: status.data } : {}) } });
      if (options.json) return printJson(issues);
      printTable(
        ['STATUS', 'EVENTS', 'LAST SEEN', 'TITLE'],
        issues.map((issue) => [issue.status, String(issue.event_count), issue.last_seen_at, `${issue.title} ${colors.dim(issue.id)}`]),
      );
    });
}
