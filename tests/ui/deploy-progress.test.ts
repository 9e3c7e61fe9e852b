import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { DeploymentEvent } from '../../contracts/index.js';
import { appendLogLines, deployProgress, historyStatus, mergeEvents } from '../../ui/src/logic/deploy-progress.js';

/* What the service page draws of a rollout, from the events REST returned and socket.io delivered. */

let clock = Date.parse('2026-01-01T00:00:00Z');
function event(fields: Partial<DeploymentEvent> & Pick<DeploymentEvent, 'status'>): DeploymentEvent {
  clock += 1_000;
  return {
    id: randomUUID(),
    source: 'agent',
    phase: null,
    progress_percent: null,
    message: fields.status,
    logs: [],
    container_id: null,
    error_code: null,
    at: new Date(clock).toISOString(),
    ...fields,
  };
}

describe('deploy progress', () => {
  const queued = event({ source: 'control_plane', status: 'queued' });
  const deploying = event({ source: 'control_plane', status: 'deploying' });
  const pulling = event({ status: 'pulling', phase: 'pull_image', progress_percent: 10, logs: ['pulling a', 'pulling b'] });
  const starting = event({ status: 'starting', phase: 'start_container', progress_percent: 43, logs: ['pulling b', 'started'] });

  it('follows the agent: the phase it is in, the ones before it done, its percent, every log line once', () => {
    const progress = deployProgress('queued', [queued, deploying, pulling, starting]);
    expect(progress).toMatchObject({ status: 'deploying', percent: 43, phase: 'start_container', logs: ['pulling a', 'pulling b', 'started'], finished: false, failure: null });
    expect(progress.phases.map((phase) => phase.state)).toEqual(['done', 'done', 'done', 'current', 'pending', 'pending', 'pending']);
  });

  it('is complete at running, every phase done', () => {
    const progress = deployProgress('deploying', [deploying, starting, event({ source: 'control_plane', status: 'running' })]);
    expect(progress).toMatchObject({ status: 'running', percent: 100, finished: true, failure: null });
    expect(progress.phases.every((phase) => phase.state === 'done')).toBe(true);
  });

  it('names the failure, its code and the phase it failed in', () => {
    const unhealthy = event({ status: 'failed', phase: 'health_check', progress_percent: 60, error_code: 'HEALTH_CHECK_FAILED', message: 'HTTP 404 from /health' });
    const rolledBack = event({ source: 'control_plane', status: 'rolled_back', message: 'rolling back' });
    const progress = deployProgress('deploying', [deploying, pulling, unhealthy, rolledBack]);
    expect(progress).toMatchObject({ status: 'rolled_back', finished: true, percent: 60, failure: { code: 'HEALTH_CHECK_FAILED', message: 'HTTP 404 from /health' } });
    expect(progress.phases.find((phase) => phase.phase === 'health_check')?.state).toBe('failed');
  });

  it('falls back to the last status message when a failure carries no code', () => {
    const failed = event({ source: 'control_plane', status: 'failed', message: 'The agent is offline' });
    expect(deployProgress('deploying', [deploying, failed]).failure).toEqual({ code: null, message: 'The agent is offline' });
  });

  it('never moves a finished deployment back because a late socket event is older', () => {
    expect(deployProgress('running', [deploying, pulling]).status).toBe('running');
  });

  it('merges the REST read and the socket, in either order, each event once', () => {
    const fromRest = [queued, deploying, pulling];
    const fromSocket = [pulling, starting, deploying];
    expect(mergeEvents(fromRest, fromSocket)).toEqual([queued, deploying, pulling, starting]);
    expect(mergeEvents(fromSocket, fromRest)).toEqual([queued, deploying, pulling, starting]);
  });

  it('appends only the lines of a report that do not repeat the tail already shown', () => {
    expect(appendLogLines(['a', 'b', 'c'], ['b', 'c', 'd'])).toEqual(['a', 'b', 'c', 'd']);
    expect(appendLogLines(['a', 'b'], ['c'])).toEqual(['a', 'b', 'c']);
    expect(appendLogLines(['a', 'b'], ['a', 'b'])).toEqual(['a', 'b']);
    expect(appendLogLines([], ['x'])).toEqual(['x']);
  });
});

describe('a deployment history', () => {
  it('shows only the current deployment running; earlier ones that ran are superseded, the rest keep their status', () => {
    const current = randomUUID();
    expect(historyStatus({ id: current, status: 'running' }, current)).toBe('running');
    expect(historyStatus({ id: randomUUID(), status: 'running' }, current)).toBe('superseded');
    expect(historyStatus({ id: randomUUID(), status: 'rolled_back' }, current)).toBe('rolled_back');
    expect(historyStatus({ id: randomUUID(), status: 'deploying' }, current)).toBe('deploying');
    // A service whose containers were stopped has no current deployment: nothing of it runs.
    expect(historyStatus({ id: randomUUID(), status: 'running' }, null)).toBe('superseded');
  });
});
