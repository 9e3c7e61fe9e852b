import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer } from '../support/auth.js';
import { freshDatabaseUrl } from '../support/postgres.js';
import { defineCluster, type Cluster } from './cluster.js';
import { testTemporal } from './test-temporal.js';

/*
 * Two `syntra api` processes on one database: a token's budget is spent across both, so a client
 * spreading its requests over the processes (as a load balancer does) gets no more than the limit.
 */

const perMinute = 120;
/** Each process leases a second's refill at a time (api/http/rate-limit.ts); a lease left over at the end is forgone. */
const lease = perMinute / 60;
let database: Awaited<ReturnType<typeof freshDatabaseUrl>>;
let cluster: Cluster;

beforeAll(async () => {
  database = await freshDatabaseUrl('shared_rate_limit');
  cluster = await defineCluster({
    temporal: testTemporal(),
    databaseUrl: database.url,
    apiCount: 2,
    workerCount: 0,
    env: { SYNTRA_RATE_LIMIT_CALLER_PER_MINUTE: String(perMinute), SYNTRA_RATE_LIMIT_IP_PER_MINUTE: '0' },
  });
  await cluster.start(cluster.apis[0]!);
  await cluster.start(cluster.apis[1]!);
}, 120_000);

afterAll(async () => {
  await cluster?.cleanup();
  await database?.drop();
});

describe('rate limits with two API processes', () => {
  it('allows one budget in all, not one per process, and both processes refuse once it is spent', async () => {
    const statuses: number[] = [];
    const started = Date.now();
    for (let i = 0; i < 2 * perMinute; i++) {
      const api = cluster.apis[i % 2]!;
      const response = await fetch(`${api.url}/api/v1/projects`, { headers: bearer(cluster.ownerToken) });
      statuses.push(response.status);
    }
    // A bucket refills at `perMinute` a minute: the requests' own duration may earn a token or two.
    const refilled = Math.floor(((Date.now() - started) / 60_000) * perMinute);
    const allowed = statuses.filter((status) => status === 200).length;
    expect(allowed).toBeGreaterThanOrEqual(perMinute - 2 * lease);
    expect(allowed).toBeLessThanOrEqual(perMinute + refilled);
    expect(statuses.filter((status) => status !== 200).every((status) => status === 429)).toBe(true);
    // Refusals come from both processes.
    const refusedBy = new Set(statuses.flatMap((status, index) => (status === 429 ? [index % 2] : [])));
    expect(refusedBy).toEqual(new Set([0, 1]));
  }, 60_000);
});
