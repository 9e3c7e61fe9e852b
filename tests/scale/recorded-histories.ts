import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { temporal } from '@temporalio/proto';

/**
 * Histories of deploys, service queues and DAG runs cut by a rolling restart (rolling-restart.test.ts
 * writes them with `RECORD_HISTORIES=1`), kept in the repository so that each later release
 * replays them against its own workflow code: a workflow change that would break runs in flight
 * across an upgrade fails CI instead. Re-record them when a release ships.
 */
export const recordedHistoriesDir = fileURLToPath(new URL('./histories/operations-rolling-restart/', import.meta.url));

export function readRecordedHistories() {
  if (!existsSync(recordedHistoriesDir)) return [];
  return readdirSync(recordedHistoriesDir)
    .filter((file) => file.endsWith('.binpb'))
    .map((file) => ({ workflowId: file.replace(/\.binpb$/, ''), history: temporal.api.history.v1.History.decode(readFileSync(path.join(recordedHistoriesDir, file))) }));
}
