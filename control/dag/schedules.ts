import { type Client, ScheduleAlreadyRunning, ScheduleNotFoundError, type ScheduleOverlapPolicy } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { nextFireTimes, temporalCronOf } from '../../contracts/index.js';
import type { Database, WorkflowRow } from '../../db/postgres/database.js';
import type { scheduledDag } from '../../workflows/dag-run.js';
import { dagIds } from '../../workflows/workflow-ids.js';
import { operationQueueOf } from '../operations/queue.js';
import type { Platform } from '../platform.js';

/*
 * A definition with a cron expression is one Temporal Schedule (`dag-schedule-<workflowId>`),
 * whose action is `scheduledDag`: it opens a run with trigger `schedule` and runs it. Routes
 * sync the schedule inside the transaction that saves the definition, so a schedule Temporal
 * refused rolls the save back; the worker reconciles every definition at start, so the two never
 * drift for long (a crash between the commit and the sync, a schedule deleted by hand).
 */

export interface DagTemporal {
  client: Client;
  /** The task queue the interpreter runs on (temporal-dev.yaml's `dag`). */
  taskQueue: string;
}

const overlapPolicies: Record<string, ScheduleOverlapPolicy> = {
  skip: 'SKIP',
  buffer_one: 'BUFFER_ONE',
  allow_all: 'ALLOW_ALL',
  cancel_other: 'CANCEL_OTHER',
};

const wantsSchedule = (row: WorkflowRow) => row.cron_expression !== null && (row.is_active ?? true);

function scheduleOf(temporal: DagTemporal, row: WorkflowRow) {
  return {
    spec: { cronExpressions: [temporalCronOf(row.cron_expression!)], timezone: row.timezone },
    action: {
      type: 'startWorkflow' as const,
      workflowType: 'scheduledDag' as const,
      args: [{ workflowId: row.id }] as Parameters<typeof scheduledDag>,
      taskQueue: temporal.taskQueue,
      workflowId: `dag-scheduled-${row.id}`,
    },
    policies: { overlap: overlapPolicies[row.overlap_policy] ?? 'SKIP', catchupWindow: row.catchup_window_seconds * 1000 },
  };
}

/** Makes Temporal's schedule match the row: created, updated, paused or deleted. */
export async function syncSchedule(temporal: DagTemporal, row: WorkflowRow): Promise<void> {
  const scheduleId = dagIds.schedule(row.id);
  if (!wantsSchedule(row)) {
    await deleteSchedule(temporal, row.id);
    return;
  }
  const schedule = scheduleOf(temporal, row);
  try {
    await temporal.client.schedule.create({ scheduleId, ...schedule, state: { paused: row.schedule_paused } });
    return;
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
  const handle = temporal.client.schedule.getHandle(scheduleId);
  await handle.update((previous) => ({ ...previous, ...schedule, state: { ...previous.state, paused: row.schedule_paused } }));
}

export async function deleteSchedule(temporal: DagTemporal, workflowId: string): Promise<void> {
  try {
    await temporal.client.schedule.getHandle(dagIds.schedule(workflowId)).delete();
  } catch (error) {
    if (!(error instanceof ScheduleNotFoundError)) throw error;
  }
}

/** Fires the schedule's action now, under its overlap policy. */
export async function triggerSchedule(temporal: DagTemporal, workflowId: string): Promise<void> {
  await temporal.client.schedule.getHandle(dagIds.schedule(workflowId)).trigger();
}

/** The next fire times of a row's schedule, from its cron expression and timezone; none when it does not fire. */
export function upcomingFireTimes(row: WorkflowRow, count = 5): string[] {
  if (!wantsSchedule(row) || row.schedule_paused) return [];
  return nextFireTimes(row.cron_expression!, row.timezone, count).map((time) => time.toISOString());
}

/** Every definition's schedule as its row says, and no schedule left for a deleted definition. */
export async function reconcileSchedules(db: Kysely<Database>, temporal: DagTemporal): Promise<{ synced: number; removed: number }> {
  const rows = await db.selectFrom('workflows').selectAll().execute();
  for (const row of rows) await syncSchedule(temporal, row);
  const known = new Set(rows.map((row) => dagIds.schedule(row.id)));
  let removed = 0;
  for await (const summary of temporal.client.schedule.list()) {
    if (!summary.scheduleId.startsWith(dagIds.schedule('')) || known.has(summary.scheduleId)) continue;
    const handle = temporal.client.schedule.getHandle(summary.scheduleId);
    // Another installation may share the namespace with its own task queue: its schedules are not ours.
    if ((await handle.describe()).action.taskQueue !== temporal.taskQueue) continue;
    await handle.delete();
    removed += 1;
  }
  return { synced: rows.length, removed };
}

/** The platform's Temporal client, and its DAG task queue. */
export function dagTemporalOf(platform: Platform): DagTemporal {
  return { client: operationQueueOf(platform).client, taskQueue: platform.temporal.taskQueues.dag };
}
