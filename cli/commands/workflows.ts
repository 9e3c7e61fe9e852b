import type { Command } from 'commander';
import { WorkflowRunStatus } from '../../contracts/api/automation.js';
import { MAX_PAGE_SIZE } from '../../contracts/api/queries.js';
import { findProject } from '../client/service-names.js';
import { allWorkflows, findWorkflow, type NamedWorkflow } from '../client/workflow-names.js';
import { colors, printJson, printLine, printTable, shortId, statusText } from '../terminal/output.js';
import { ExitWith } from '../terminal/exit-codes.js';
import { UsageError } from '../usage-error.js';
import { reportRunOutcome, watchWorkflowRun } from './workflow-run-watch.js';
import { connect, type GlobalOptions } from './session.js';

/* DAG workflows: list them, run one and follow its nodes, see its runs, decide an approval. */

const label = ({ project, workflow }: NamedWorkflow) => `${project.slug}/${workflow.name}`;

/** `--input name=value`, repeatable, into the run's inputs. */
function collectInput(pair: string, inputs: Record<string, string> = {}): Record<string, string> {
  const at = pair.indexOf('=');
  if (at < 1) throw new UsageError(`--input takes name=value, not ${pair}`);
  return { ...inputs, [pair.slice(0, at)]: pair.slice(at + 1) };
}

export function registerWorkflowCommands(program: Command, globals: () => GlobalOptions): void {
  const workflows = program.command('workflows').description("DAG workflows: list, run and follow them, decide their approvals");

  workflows
    .command('list')
    .argument('[project]', 'only this project (slug, name or id)')
    .description("the workflows of a project, or of every project")
    .option('--json', 'print the API resources')
    .action(async (projectName: string | undefined, options: { json?: boolean }) => {
      const api = await connect(globals());
      const found = await allWorkflows(api, projectName ? [await findProject(api, projectName)] : undefined);
      if (options.json) return printJson(found.map(({ workflow }) => workflow));
      printTable(
        ['PROJECT/WORKFLOW', 'NODES', 'VERSION', 'SCHEDULE', 'ID'],
        found.map((named) => [
          label(named),
          String(named.workflow.definition.nodes.length),
          String(named.workflow.version),
          named.workflow.cron_expression ?? (named.workflow.is_active ? '' : colors.dim('inactive')),
          named.workflow.id,
        ]),
      );
    });

  workflows
    .command('run')
    .argument('<workflow>', 'name, project/name or id')
    .description("run a workflow's current version now")
    .option('--input <name=value>', 'an input its steps read as {{ inputs.name }} (repeatable)', collectInput)
    .option('--wait', 'follow the run, node by node, until it ends')
    .option('--json', 'print the run resource (with --wait: when it ends; progress goes to stderr)')
    .addHelpText('after', '\nExit codes (with --wait): 0 succeeded, 3 failed / cancelled, 1 refused, 130 stopped watching.\n\nExamples:\n  syntra workflows run release --wait\n  syntra workflows run shop/nightly --input tag=v2 --wait --json')
    .action(async (name: string, options: { input?: Record<string, string>; wait?: boolean; json?: boolean }) => {
      const api = await connect(globals());
      const found = await findWorkflow(api, name);
      const stream = options.json ? process.stderr : process.stdout;
      const write = (line: string) => stream.write(`${line}\n`);
      const run = await api.call('startWorkflowRun', { params: { workflowId: found.workflow.id }, body: options.input ? { inputs: options.input } : {} });
      write(`${label(found)}: run ${run.id} ${statusText(run.status)} (version ${run.version ?? found.workflow.version})`);
      if (!options.wait) {
        if (options.json) printJson(run);
        return;
      }
      const ended = await watchWorkflowRun(api, run, found.workflow, { stream, workflowLabel: label(found) });
      if (options.json) printJson(ended);
      const code = reportRunOutcome(ended, found.workflow, label(found), write);
      if (code !== 0) throw new ExitWith(code);
    });

  workflows
    .command('runs')
    .argument('<workflow>', 'name, project/name or id')
    .description("a workflow's runs, newest first")
    .option('--status <status>', `only these: ${WorkflowRunStatus.options.join(', ')}`)
    .option('--json', 'print the API resources')
    .action(async (name: string, options: { status?: string; json?: boolean }) => {
      const status = options.status === undefined ? undefined : WorkflowRunStatus.safeParse(options.status);
      if (status && !status.success) throw new UsageError(`--status is one of ${WorkflowRunStatus.options.join(', ')}`);
      const api = await connect(globals());
      const found = await findWorkflow(api, name);
      const runs = await api.call('listWorkflowRuns', { params: { workflowId: found.workflow.id }, query: { per_page: MAX_PAGE_SIZE, ...(status ? { status: status.data } : {}) } });
      if (options.json) return printJson(runs);
      printTable(
        ['STARTED', 'STATUS', 'TRIGGER', 'VERSION', 'ID'],
        runs.map((run) => [run.started_at, statusText(run.status), run.trigger_type ?? '', String(run.version ?? ''), run.id]),
      );
    });

  for (const decision of ['approve', 'reject'] as const) {
    workflows
      .command(decision)
      .argument('<run>', 'the run id')
      .argument('<node>', 'the approval node that waits')
      .description(`${decision} an approval node that waits`)
      .option('--comment <text>', 'why, kept with the decision')
      .option('--json', 'print the run resource')
      .action(async (runId: string, nodeId: string, options: { comment?: string; json?: boolean }) => {
        const api = await connect(globals());
        const run = await api.call(decision === 'approve' ? 'approveWorkflowNode' : 'rejectWorkflowNode', { params: { runId, nodeId }, body: options.comment ? { comment: options.comment } : {} });
        if (options.json) return printJson(run);
        printLine(`run ${shortId(run.id)}: node ${nodeId} ${decision === 'approve' ? 'approved' : 'rejected'}`);
      });
  }
}
