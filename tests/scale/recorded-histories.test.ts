import { describe, expect, it } from 'vitest';
import { replay } from '../operations/stack.js';
import { readRecordedHistories } from './recorded-histories.js';

describe('histories recorded on an earlier release', () => {
  it('replay on the current workflow code: deploys, service queues and DAG runs cut by a rolling restart', async () => {
    const recorded = readRecordedHistories();
    expect(recorded.length).toBeGreaterThanOrEqual(40);
    expect(recorded.some((history) => history.workflowId.startsWith('dag-run-'))).toBe(true);
    expect(await replay(recorded)).toEqual([]);
  }, 120_000);
});
