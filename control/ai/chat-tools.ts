import { z } from 'zod';
import { DeploymentStatus, LogLevel } from '../../contracts/index.js';
import { searchLogs } from '../../db/clickhouse/logs.js';
import { memoryUse, operationLatencies } from '../../db/clickhouse/service-vitals.js';
import { deploymentsForAnswer, issuesForAnswer, servicesForAnswer } from '../../db/queries/ai-context.js';
import { issueById } from '../../db/queries/issues.js';
import { scopedService } from '../../db/queries/service-scope.js';
import type { Scope } from '../../db/queries/scope.js';
import type { Platform } from '../platform.js';
import { diagnose } from './builtin/error-rules.js';
import { gatherEvidence } from './error-analysis.js';

/*
 * What a model may do during a chat: read, through these tools and nothing else. Each runs as the
 * caller (every query narrowed to their scope, so another organization's id is simply not found)
 * and only reads; there is no tool that changes anything, so a log line that tells the model to
 * "delete the service" has nothing to call. Arguments are checked with zod like any request body,
 * and every answer is capped: a model cannot pull a whole log table into the next prompt.
 */

type Deps = Pick<Platform, 'db' | 'clickhouse' | 'secrets'>;

/** What a tool found: the records it read (`service:<id>`…), which the answer may cite, and the data. */
export interface ToolResult {
  records: string[];
  data: unknown;
}

interface ChatTool<Args extends z.ZodType> {
  description: string;
  args: Args;
  run(deps: Deps, scope: Scope, args: z.output<Args>): Promise<ToolResult>;
}

const tool = <Args extends z.ZodType>(definition: ChatTool<Args>) => definition;

const Uuid = z.uuid();
const rowLimits = { services: 30, deployments: 15, issues: 15, logLines: 50, operations: 5 };
const maxLogWindowMinutes = 24 * 60;
const maxMetricWindowHours = 24;

const notFound = (what: string, id: string): ToolResult => ({ records: [], data: { error: `No ${what} ${id} in this organization` } });

export const chatTools = {
  list_services: tool({
    description: 'The services the operator can see (name, project, type, replicas, memory limit, health check, current deployment status), optionally of one project.',
    args: z.strictObject({ project_id: Uuid.optional() }),
    async run(deps, scope, args) {
      const services = await servicesForAnswer(deps.db, scope, { projectId: args.project_id }, rowLimits.services);
      return { records: services.map((service) => `service:${service.id}`), data: services };
    },
  }),
  list_deployments: tool({
    description: 'Recent deployments, newest first (status, commit, trigger, error), optionally of one service or project, or with one status.',
    args: z.strictObject({ service_id: Uuid.optional(), project_id: Uuid.optional(), status: DeploymentStatus.optional() }),
    async run(deps, scope, args) {
      const deployments = await deploymentsForAnswer(
        deps.db,
        scope,
        { serviceId: args.service_id, projectId: args.project_id, ...(args.status ? { status: args.status } : {}) },
        rowLimits.deployments,
      );
      return { records: deployments.map((deployment) => `deployment:${deployment.id}`), data: deployments };
    },
  }),
  list_issues: tool({
    description: 'Open (unresolved or regressed) error issues, most recently seen first, optionally of one service or project.',
    args: z.strictObject({ service_id: Uuid.optional(), project_id: Uuid.optional() }),
    async run(deps, scope, args) {
      const issues = await issuesForAnswer(deps.db, scope, { serviceId: args.service_id, projectId: args.project_id }, rowLimits.issues);
      return { records: issues.map((issue) => `issue:${issue.id}`), data: issues };
    },
  }),
  get_issue: tool({
    description: "One issue in depth: its exception, in-app frames, the warnings logged before it and the built-in rules' diagnosis.",
    args: z.strictObject({ issue_id: Uuid }),
    async run(deps, scope, args) {
      const issue = await issueById(deps.db, scope, args.issue_id);
      if (!issue) return notFound('issue', args.issue_id);
      const evidence = await gatherEvidence(deps, issue);
      const { category, summary, possible_cause } = diagnose(evidence);
      return {
        records: [`issue:${issue.id}`, `service:${issue.service_id}`],
        data: {
          id: issue.id,
          service_id: issue.service_id,
          title: issue.title,
          exception_type: issue.exception_type,
          status: issue.status,
          events: issue.event_count,
          first_seen_at: issue.first_seen_at,
          last_seen_at: issue.last_seen_at,
          frames: evidence.frames.slice(0, 10),
          logs_before: evidence.logs.slice(-20),
          diagnosis: { category, summary, possible_cause },
        },
      };
    },
  }),
  query_logs: tool({
    description: `A service's log lines, newest first, at most ${rowLimits.logLines}: of the last \`minutes\` (default 60, at most ${maxLogWindowMinutes}), at \`min_level\` or above, containing \`contains\`.`,
    args: z.strictObject({
      service_id: Uuid,
      minutes: z.number().int().min(1).max(maxLogWindowMinutes).default(60),
      min_level: LogLevel.optional(),
      contains: z.string().min(1).max(200).optional(),
    }),
    async run(deps, scope, args) {
      if (!(await scopedService(deps.db, scope, args.service_id))) return notFound('service', args.service_id);
      const now = Date.now();
      const { entries } = await searchLogs(deps.clickhouse.client, {
        serviceId: args.service_id,
        from: new Date(now - args.minutes * 60_000),
        to: new Date(now + 60_000),
        ...(args.min_level ? { minLevel: args.min_level } : {}),
        ...(args.contains ? { text: args.contains } : {}),
        limit: rowLimits.logLines,
      });
      return {
        records: [`service:${args.service_id}`],
        data: entries.map((entry) => ({ at: entry.timestamp, level: entry.level, message: entry.message.slice(0, 500) })),
      };
    },
  }),
  service_metrics: tool({
    description: `A service's figures over the last \`hours\` (default 1, at most ${maxMetricWindowHours}): memory use (p95, peak) and its slowest operations (requests, errors, p95 ms).`,
    args: z.strictObject({ service_id: Uuid, hours: z.number().int().min(1).max(maxMetricWindowHours).default(1) }),
    async run(deps, scope, args) {
      if (!(await scopedService(deps.db, scope, args.service_id))) return notFound('service', args.service_id);
      const since = new Date(Date.now() - args.hours * 3_600_000);
      const [memory, operations] = await Promise.all([
        memoryUse(deps.clickhouse.client, args.service_id, since),
        operationLatencies(deps.clickhouse.client, args.service_id, since, rowLimits.operations),
      ]);
      return { records: [`service:${args.service_id}`], data: { memory, slowest_operations: operations } };
    },
  }),
};

export type ChatToolName = keyof typeof chatTools;

/** The tools as OpenAI's `tools` parameter: JSON Schemas made from the same zod the arguments are checked with. */
export const chatToolDefinitions = Object.entries(chatTools).map(([name, definition]) => {
  const { $schema: _, ...parameters } = z.toJSONSchema(definition.args, { io: 'input' });
  return { type: 'function' as const, function: { name, description: definition.description, parameters } };
});

/**
 * Runs a tool the model asked for. A name we do not know or arguments that do not fit become an
 * error the model reads (it may correct itself), never an exception: they are the model's mistake.
 */
export async function runChatTool(deps: Deps, scope: Scope, name: string, rawArguments: string): Promise<ToolResult> {
  if (!Object.hasOwn(chatTools, name)) return { records: [], data: { error: `There is no tool ${name}; the tools are ${Object.keys(chatTools).join(', ')}` } };
  const definition = chatTools[name as ChatToolName] as ChatTool<z.ZodType>;
  let parsed: unknown;
  try {
    parsed = rawArguments.trim() ? JSON.parse(rawArguments) : {};
  } catch {
    return { records: [], data: { error: 'The arguments are not JSON' } };
  }
  const args = definition.args.safeParse(parsed);
  if (!args.success) return { records: [], data: { error: `Wrong arguments: ${args.error.issues.map((issue) => `${issue.path.join('.') || 'arguments'}: ${issue.message}`).join('; ')}` } };
  return definition.run(deps, scope, args.data);
}
