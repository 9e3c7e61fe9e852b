import { proxyActivities } from '@temporalio/workflow';
import type { DagActivities } from '../../contracts/dag.js';

/*
 * The baseline of bench/dag-overhead.ts: the shape of its DAG written by hand as a Temporal
 * workflow, each node the same two activities the interpreter runs for a no-op node (its
 * `running` and `succeeded` writes), started as soon as its dependencies have finished.
 */

const { recordDagNode } = proxyActivities<DagActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds', backoffCoefficient: 2 },
});

export async function handWrittenDag(input: { runId: string; nodes: { id: string; after: string[] }[] }): Promise<void> {
  const done = new Map<string, Promise<void>>();
  const at = () => new Date().toISOString();
  for (const node of input.nodes) {
    const dependencies = node.after.map((id) => done.get(id)!);
    done.set(
      node.id,
      Promise.all(dependencies).then(async () => {
        await recordDagNode({ runId: input.runId, nodeId: node.id, state: 'running', attempts: 1, at: at() });
        await recordDagNode({ runId: input.runId, nodeId: node.id, state: 'succeeded', attempts: 1, output: { result: true }, at: at() });
      }),
    );
  }
  await Promise.all(done.values());
}
