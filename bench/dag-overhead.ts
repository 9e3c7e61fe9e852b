// The DAG interpreter's overhead. (1) A 100-node DAG, 10 wide × 10 deep, each node after two of
// the layer before, of no-op `condition` nodes (no step activity: each node is the interpreter's
// own `running` and `succeeded` writes), against a hand-written Temporal workflow running the
// same activities in the same shape (bench/support/dag-baseline-workflow.ts), alternating in one
// run on one control plane: total time, their ratio, and the median delay from a node's last
// dependency finishing to its start (both read from the `workflow_runs` row, workflow time).
// (2) 50 runs of a 10-node DAG (2 wide × 5 deep) started at once over REST: all must succeed.
// Usage: npx tsx bench/dag-overhead.ts [iterations=5]
import { DefaultLogger, NativeConnection, Worker, bundleWorkflowCode } from '@temporalio/worker';
import type { WorkflowRun } from '../contracts/index.js';
import { createActivities } from '../activities/index.js';
import { openRun } from '../control/dag/runs.js';
import { operationQueueOf } from '../control/operations/queue.js';
import { startInProcessWorker } from '../tests/operations/worker.js';
import { percentile } from './deploy-stack.js';
import { benchOwner, startBenchControlPlane } from './support/control-plane.js';

const iterations = Number(process.argv[2] ?? 5);
const baselineQueue = 'bench-dag-baseline';

/** `width` × `depth`; node (layer, column) runs after (layer-1, column) and (layer-1, column+1). */
function lattice(width: number, depth: number) {
  const id = (layer: number, column: number) => `n${layer}_${column}`;
  const nodes = [];
  for (let layer = 0; layer < depth; layer += 1) {
    for (let column = 0; column < width; column += 1) {
      const after = layer === 0 ? [] : [...new Set([id(layer - 1, column), id(layer - 1, (column + 1) % width)])];
      nodes.push({ id: id(layer, column), after });
    }
  }
  return {
    nodes,
    definition: {
      nodes: nodes.map((node) => ({ id: node.id, step: { type: 'condition', left: 'a', operator: 'equals', right: 'a' } })),
      edges: nodes.flatMap((node) => node.after.map((from) => ({ from, to: node.id }))),
    },
  };
}

/** Total (first start to last finish) and each node's delay after its last dependency finished. */
function timingsOf(run: WorkflowRun, nodes: { id: string; after: string[] }[]) {
  const at = (id: string, field: 'started_at' | 'finished_at') => Date.parse(run.step_results[id]![field]!);
  const delays = nodes.filter((node) => node.after.length > 0).map((node) => at(node.id, 'started_at') - Math.max(...node.after.map((from) => at(from, 'finished_at'))));
  const starts = nodes.map((node) => at(node.id, 'started_at'));
  const ends = nodes.map((node) => at(node.id, 'finished_at'));
  return { totalMs: Math.max(...ends) - Math.min(...starts), delays };
}

const owner = benchOwner();
const controlPlane = await startBenchControlPlane(owner.environment);
const { platform, db } = controlPlane;
const api = async (method: string, url: string, body?: unknown) => {
  const response = await fetch(`${controlPlane.url}/api/v1${url}`, {
    method,
    headers: { ...owner.headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await response.json()) as { data: any };
  if (response.status >= 300) throw new Error(`${method} ${url} answered ${response.status}: ${JSON.stringify(json)}`);
  return json.data;
};

const dagWorker = await startInProcessWorker(platform, platform.temporal.taskQueues.dag);
const client = operationQueueOf(platform).client;
const connection = await NativeConnection.connect({ address: platform.temporal.address });
const baselineWorker = await Worker.create({
  connection,
  namespace: platform.temporal.namespace,
  taskQueue: baselineQueue,
  workflowBundle: await bundleWorkflowCode({ workflowsPath: new URL('./support/dag-baseline-workflow.ts', import.meta.url).pathname, logger: new DefaultLogger('WARN') }),
  activities: createActivities({ db, secrets: platform.secrets, temporal: { client, operationsTaskQueue: platform.temporal.taskQueues.operations }, registry: null }),
});
const baselineRunning = baselineWorker.run();

try {
  const project = await api('POST', '/projects', { name: 'dag-bench' });
  const big = lattice(10, 10);
  const bigWorkflow = await api('POST', `/projects/${project.id}/workflows`, { name: 'lattice-100', definition: big.definition });
  const workflowRow = await db.selectFrom('workflows').selectAll().where('id', '=', bigWorkflow.id).executeTakeFirstOrThrow();
  const readRun = async (runId: string) => (await api('GET', `/workflow-runs/${runId}`)) as WorkflowRun;

  const interpreted: { totalMs: number; delays: number[] }[] = [];
  const handWritten: { totalMs: number; delays: number[] }[] = [];
  // One of each first, unmeasured: the bundles' code paths and the connection pools warm.
  for (let i = -1; i < iterations; i += 1) {
    const forInterpreter = await openRun(db, workflowRow, { triggeredBy: null, trigger: 'api', inputs: {} });
    await client.workflow.execute('runDag', { workflowId: `dag-run-${forInterpreter.row.id}`, taskQueue: platform.temporal.taskQueues.dag, args: [forInterpreter.input] });
    const forBaseline = await openRun(db, workflowRow, { triggeredBy: null, trigger: 'api', inputs: {} });
    await client.workflow.execute('handWrittenDag', { workflowId: `bench-baseline-${forBaseline.row.id}`, taskQueue: baselineQueue, args: [{ runId: forBaseline.row.id, nodes: big.nodes }] });
    if (i < 0) continue;
    interpreted.push(timingsOf(await readRun(forInterpreter.row.id), big.nodes));
    handWritten.push(timingsOf(await readRun(forBaseline.row.id), big.nodes));
  }
  const median = (values: number[]) => Math.round(percentile([...values].sort((a, b) => a - b), 0.5));
  const summary = (runs: typeof interpreted) => ({
    total_median_ms: median(runs.map((run) => run.totalMs)),
    dependency_to_start_median_ms: median(runs.flatMap((run) => run.delays)),
    dependency_to_start_p95_ms: Math.round(percentile(runs.flatMap((run) => run.delays).sort((a, b) => a - b), 0.95)),
  });

  // 50 runs of a 10-node DAG at once, over REST.
  const small = lattice(2, 5);
  const smallWorkflow = await api('POST', `/projects/${project.id}/workflows`, { name: 'lattice-10', definition: small.definition });
  const concurrentRuns = 50;
  const started = performance.now();
  const runIds = await Promise.all(Array.from({ length: concurrentRuns }, async () => (await api('POST', `/workflows/${smallWorkflow.id}/runs`, {})).id as string));
  await Promise.all(runIds.map((runId) => client.workflow.getHandle(`dag-run-${runId}`).result()));
  const elapsedMs = performance.now() - started;
  const statuses = await db.selectFrom('workflow_runs').select(['status']).where('id', 'in', runIds).execute();

  const result = {
    iterations,
    lattice_100: { interpreter: summary(interpreted), hand_written: summary(handWritten) },
    ratio_total_median: Number((median(interpreted.map((run) => run.totalMs)) / median(handWritten.map((run) => run.totalMs))).toFixed(2)),
    concurrent_10_node_runs: {
      runs: concurrentRuns,
      rows: statuses.length,
      succeeded: statuses.filter((row) => row.status === 'succeeded').length,
      elapsed_ms: Math.round(elapsedMs),
      runs_per_second: Number(((concurrentRuns * 1000) / elapsedMs).toFixed(1)),
    },
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  baselineWorker.shutdown();
  await baselineRunning;
  await connection.close();
  await dagWorker.stop();
  await controlPlane.stop();
}
process.exit(0);
