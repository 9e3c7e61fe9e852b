import { z } from 'zod';
import { HttpUrl, IsoDateTimeInput, StringMap, Uuid } from '../primitives.js';
import { MemberRole } from './access.js';
import { DeployStrategy, ImageReference } from '../websocket/deploy.js';
import { ExecRequest } from './exec.js';

/*
 * A DAG workflow's definition: nodes (each one step of a known kind, with its own retry, timeout
 * and error handling) joined by edges that say on which outcome of their source they are taken.
 * Checked whole at save time (`definitionFaults`), every fault at the path of the node or edge
 * and the field it is about, so the builder can point at it; the interpreter (workflows/dag-run.ts)
 * runs what passed.
 */

export const MAX_WORKFLOW_NODES = 200;
const oneWeekSeconds = 7 * 24 * 3600;
const Seconds = (max: number) => z.int().min(1).max(max);

/** `{{ nodes.<id>.output.<field> }}` or `{{ inputs.<name> }}`, anywhere in a text field. */
export const TEMPLATE_REFERENCE = /\{\{\s*([^{}]*?)\s*\}\}/g;
const referencePattern = /^(?:nodes\.([A-Za-z0-9_-]{1,64})\.output\.([A-Za-z0-9_]+)|inputs\.([A-Za-z0-9_]{1,64}))$/;

const hasTemplate = (text: string) => /\{\{[^{}]*\}\}/.test(text);
/** A field that is either `schema` or text that holds references, checked against `schema` once resolved. */
const templated = <T extends z.ZodType<string>>(schema: T) => z.union([schema, z.string().max(4096).refine(hasTemplate, 'must hold a {{ reference }}')]);

const serviceStep = { service_id: Uuid };

export const DagStep = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('deploy'),
    ...serviceStep,
    image_tag: templated(ImageReference.shape.tag).optional().describe('Absent: the service\'s own tag'),
    git_ref: z.string().min(1).optional().describe('Commit SHA or branch'),
    strategy: DeployStrategy.optional(),
    rollback_on_failure: z.boolean().optional(),
    timeout_seconds: Seconds(3600).optional().describe('For the agent to finish the rollout'),
  }),
  z.object({
    type: z.literal('rollback'),
    ...serviceStep,
    to_deployment_id: Uuid.optional().describe("Absent: the deployment that ran before the service's current one"),
  }),
  z.object({ type: z.literal('restart'), ...serviceStep }),
  z.object({ type: z.literal('stop'), ...serviceStep }),
  z.object({ type: z.literal('scale'), ...serviceStep, replicas: z.int().min(0).max(100) }),
  z.object({
    type: z.literal('exec'),
    ...serviceStep,
    ...ExecRequest.shape,
  }).describe('A command in a running replica of the service; an exit code other than 0 fails the node'),
  z.object({
    type: z.literal('http_request'),
    method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']),
    url: templated(HttpUrl),
    headers: StringMap.optional(),
    body: z.string().max(65_536).optional(),
    expect_status: z.array(z.int().min(100).max(599)).min(1).optional().describe('Absent: any 2xx succeeds'),
    timeout_seconds: Seconds(300).optional(),
  }),
  z.object({
    type: z.literal('wait'),
    seconds: Seconds(oneWeekSeconds).optional(),
    until: IsoDateTimeInput.optional().describe('Waits until this time instead (in the past: no wait)'),
  }),
  z.object({
    type: z.literal('approval'),
    message: z.string().min(1).max(1000).describe('What the approver is asked'),
    approver_role: MemberRole.exclude(['viewer']).optional().describe('The least role that may decide; defaults to developer'),
    timeout_seconds: Seconds(oneWeekSeconds).optional().describe('Absent: waits until someone decides'),
    on_timeout: z.enum(['reject', 'approve']).optional().describe('Defaults to reject'),
  }),
  z.object({
    type: z.literal('condition'),
    left: z.string().max(4096).describe('Usually a {{ reference }}'),
    operator: z.enum(['equals', 'not_equals', 'contains', 'greater_than', 'less_than']),
    right: z.string().max(4096),
  }),
  z.object({
    type: z.literal('notify'),
    alert_id: Uuid.describe("An alert rule of this project or of the whole organization: the message goes through its channels"),
    message: z.string().min(1).max(2000).describe('May hold {{ references }}'),
  }),
  z.object({
    type: z.literal('run_workflow'),
    workflow_id: Uuid.describe('Another definition of the same project, run as a child'),
  }),
]);
export type DagStep = z.infer<typeof DagStep>;
export type DagStepType = DagStep['type'];

/** What each kind exposes to later nodes as `{{ nodes.<id>.output.<field> }}`. */
export const dagStepOutputs: Record<DagStepType, readonly string[]> = {
  deploy: ['deployment_id', 'status'],
  rollback: ['deployment_id', 'status'],
  restart: ['workflow_id', 'status'],
  stop: ['workflow_id', 'status'],
  scale: ['workflow_id', 'status'],
  exec: ['exit_code', 'stdout', 'stderr'],
  http_request: ['status', 'body'],
  wait: [],
  approval: ['decision', 'by', 'comment'],
  condition: ['result'],
  notify: ['delivered'],
  run_workflow: ['run_id', 'status'],
};

export const NodeRetry = z.object({
  max_attempts: z.int().min(1).max(20).describe('Attempts in all, the first included'),
  initial_interval_seconds: z.number().min(0.1).max(3600).optional().describe('Before the second attempt; defaults to 1'),
  backoff_coefficient: z.number().min(1).max(10).optional().describe('Each wait is this many times the last; defaults to 2'),
});
export type NodeRetry = z.infer<typeof NodeRetry>;

const NodeId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, - and _, at most 64');

export const WorkflowNode = z.object({
  id: NodeId,
  name: z.string().max(255).optional(),
  step: DagStep,
  retry: NodeRetry.optional().describe('Absent: one attempt'),
  timeout_seconds: Seconds(oneWeekSeconds).optional().describe('For one attempt of an activity step; absent: the step\'s own default'),
  continue_on_error: z.boolean().optional().describe('A failure is recorded and the run goes on as if the node had succeeded'),
  position: z.object({ x: z.number(), y: z.number() }).optional().describe("Where the builder draws it; the run ignores it"),
});
export type WorkflowNode = z.infer<typeof WorkflowNode>;

export const EdgeCondition = z.enum(['success', 'failure', 'always']);
export type EdgeCondition = z.infer<typeof EdgeCondition>;

export const WorkflowEdge = z
  .object({ from: NodeId, to: NodeId, on: EdgeCondition.optional().describe('Defaults to success; for a condition node, success is "true" and failure "false"') })
  .describe('`to` may start once `from` has ended the way `on` says');
export type WorkflowEdge = z.infer<typeof WorkflowEdge>;

type Fault = { path: (string | number)[]; message: string };

/** Duplicate node ids, edges to nowhere and repeated edges: each at its own path. */
function structureFaults(nodes: readonly WorkflowNode[], edges: readonly WorkflowEdge[]): Fault[] {
  const faults: Fault[] = [];
  const firstIndex = new Map<string, number>();
  nodes.forEach(({ id }, index) => {
    const first = firstIndex.get(id);
    if (first === undefined) firstIndex.set(id, index);
    else faults.push({ path: ['nodes', index, 'id'], message: `duplicate node id "${id}" (also nodes.${first}.id)` });
  });
  const seenEdges = new Set<string>();
  edges.forEach((edge, index) => {
    for (const end of ['from', 'to'] as const) {
      if (!firstIndex.has(edge[end])) faults.push({ path: ['edges', index, end], message: `dangling edge: no node "${edge[end]}"` });
    }
    const key = `${edge.from}\u0000${edge.to}`;
    if (seenEdges.has(key)) faults.push({ path: ['edges', index], message: `duplicate edge ${edge.from} → ${edge.to}` });
    seenEdges.add(key);
  });
  nodes.forEach(({ step }, index) => {
    if (step.type === 'wait' && (step.seconds === undefined) === (step.until === undefined)) {
      faults.push({ path: ['nodes', index, 'step', 'seconds'], message: 'give exactly one of seconds or until' });
    }
  });
  return faults;
}

/** One cycle as its node ids (first repeated at the end), or undefined for a DAG. */
export function findCycle(nodes: readonly Pick<WorkflowNode, 'id'>[], edges: readonly Pick<WorkflowEdge, 'from' | 'to'>[]): string[] | undefined {
  const next = new Map<string, string[]>(nodes.map(({ id }) => [id, []]));
  for (const { from, to } of edges) next.get(from)?.push(to);
  const state = new Map<string, 'open' | 'done'>();
  const trail: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'open') return [...trail.slice(trail.indexOf(id)), id];
    state.set(id, 'open');
    trail.push(id);
    for (const successor of next.get(id) ?? []) {
      const cycle = visit(successor);
      if (cycle) return cycle;
    }
    trail.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const { id } of nodes) {
    const cycle = visit(id);
    if (cycle) return cycle;
  }
  return undefined;
}

/** The nodes each node depends on, directly or not. */
function ancestorsOf(nodes: readonly WorkflowNode[], edges: readonly WorkflowEdge[]): Map<string, Set<string>> {
  const parents = new Map<string, string[]>(nodes.map(({ id }) => [id, []]));
  for (const { from, to } of edges) parents.get(to)?.push(from);
  const memo = new Map<string, Set<string>>();
  const of = (id: string): Set<string> => {
    let found = memo.get(id);
    if (found) return found;
    found = new Set();
    memo.set(id, found);
    for (const parent of parents.get(id) ?? []) {
      found.add(parent);
      for (const ancestor of of(parent)) found.add(ancestor);
    }
    return found;
  };
  for (const { id } of nodes) of(id);
  return memo;
}

/** Every text of a step with the path of its field, for reference checks. */
function textsOf(value: unknown, path: (string | number)[]): { text: string; path: (string | number)[] }[] {
  if (typeof value === 'string') return [{ text: value, path }];
  if (Array.isArray(value)) return value.flatMap((item, index) => textsOf(item, [...path, index]));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([key, item]) => textsOf(item, [...path, key]));
  return [];
}

/**
 * References to a node that is not an ancestor (it may not have run), to a field its kind does
 * not output, or in an unknown form; and nodes that can never start: every edge into them is a
 * failure edge out of a node that cannot fail (a wait). In an acyclic graph every node is
 * otherwise reachable from a root, so that is the one way a node is unreachable.
 */
function meaningFaults(nodes: readonly WorkflowNode[], edges: readonly WorkflowEdge[]): Fault[] {
  const faults: Fault[] = [];
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const ancestors = ancestorsOf(nodes, edges);
  nodes.forEach((node, index) => {
    for (const { text, path } of textsOf(node.step, ['nodes', index, 'step'])) {
      for (const [, reference = ''] of text.matchAll(TEMPLATE_REFERENCE)) {
        const match = referencePattern.exec(reference);
        if (!match) {
          faults.push({ path, message: `"{{ ${reference} }}" is neither nodes.<id>.output.<field> nor inputs.<name>` });
          continue;
        }
        const [, source, field] = match;
        if (source === undefined) continue;
        const sourceNode = byId.get(source);
        if (!sourceNode) faults.push({ path, message: `"{{ ${reference} }}": no node "${source}"` });
        else if (!ancestors.get(node.id)?.has(source)) faults.push({ path, message: `"{{ ${reference} }}": node "${source}" does not run before "${node.id}"` });
        else if (!dagStepOutputs[sourceNode.step.type].includes(field!)) {
          const outputs = dagStepOutputs[sourceNode.step.type];
          faults.push({ path, message: `"{{ ${reference} }}": a ${sourceNode.step.type} node outputs ${outputs.length ? outputs.join(', ') : 'nothing'}` });
        }
      }
    }
    const incoming = edges.filter((edge) => edge.to === node.id);
    const neverFails = (id: string) => byId.get(id)?.step.type === 'wait';
    if (incoming.length > 0 && incoming.every((edge) => edge.on === 'failure' && neverFails(edge.from))) {
      faults.push({ path: ['nodes', index, 'id'], message: `unreachable: node "${node.id}" waits only on the failure of a wait, which cannot fail` });
    }
  });
  return faults;
}

/** The graph a run executes: every node whose incoming edges are all taken starts, independent branches at once. */
export const WorkflowDefinition = z
  .object({
    nodes: z.array(WorkflowNode).min(1).max(MAX_WORKFLOW_NODES),
    // uniqueItems says "no edge twice" to the document; the refinement below checks it.
    edges: z.array(WorkflowEdge).max(1000).meta({ uniqueItems: true }),
  })
  .describe('Node ids are unique; every edge joins two of the nodes, at most once; the edges form no cycle; references name earlier nodes\' outputs')
  .superRefine(({ nodes, edges }, ctx) => {
    const faults = structureFaults(nodes, edges);
    for (const fault of faults) ctx.addIssue({ code: 'custom', ...fault });
    if (faults.length > 0) return;
    const cycle = findCycle(nodes, edges);
    if (cycle) {
      ctx.addIssue({ code: 'custom', path: ['edges'], message: `cycle: ${cycle.join(' → ')}` });
      return;
    }
    for (const fault of meaningFaults(nodes, edges)) ctx.addIssue({ code: 'custom', ...fault });
  });
export type WorkflowDefinition = z.infer<typeof WorkflowDefinition>;
