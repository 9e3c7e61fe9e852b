import type { FastifyInstance, FastifyRequest } from 'fastify';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/postgres/database.js';
import { ApiProblem } from '../../control/problem.js';

/** How long a process may hold tokens it leased and did not spend; left over, they are forgone. */
const leaseMs = 1_000;

interface Lease {
  tokens: number;
  expiresAt: number;
  /** The bucket had no whole token at the last renewal: refuse without asking again until then. */
  deniedUntil: number;
  /** The lease being taken from PostgreSQL, which concurrent requests of the key wait for. */
  pending: Promise<void> | null;
  retryAfterSeconds: number;
}

/**
 * A token bucket per key, kept in PostgreSQL (`rate_limit_buckets`, migration 0025) so every API
 * process behind a load balancer spends the same budget: `capacity` requests at once, refilled
 * continuously at capacity per minute. A burst up to the capacity passes; a steady rate above it
 * waits. A process leases up to one second's refill at a time and spends it in memory, so a busy
 * token costs PostgreSQL about one statement a second per process instead of one per request (one
 * per request made the row a hot spot: GET /projects fell from ~8,000 to ~1,200 req/s). Tokens
 * leased and not spent within `leaseMs` are forgone, so the processes together never exceed the
 * limit; they may fall a little short of it. One statement refills, leases and records what it
 * granted, so two processes leasing at once are serialised by the upsert's row lock.
 */
class SharedRateLimiter {
  private readonly leases = new Map<string, Lease>();
  private readonly batch: number;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly perMinute: number,
    private readonly scope: string,
  ) {
    this.batch = Math.max(1, Math.floor(perMinute / 60));
  }

  async take(key: string): Promise<{ allowed: true } | { allowed: false; retryAfterSeconds: number }> {
    let lease = this.leases.get(key);
    if (!lease) {
      lease = { tokens: 0, expiresAt: 0, deniedUntil: 0, pending: null, retryAfterSeconds: 1 };
      this.leases.set(key, lease);
    }
    // Ends: every renewal either grants a token (spent by someone) or refuses until a refill.
    for (;;) {
      const now = Date.now();
      if (lease.tokens >= 1 && now < lease.expiresAt) {
        lease.tokens -= 1;
        return { allowed: true };
      }
      if (now < lease.deniedUntil) return { allowed: false, retryAfterSeconds: lease.retryAfterSeconds };
      const renewing = lease;
      lease.pending ??= this.renew(key, lease).finally(() => (renewing.pending = null));
      await lease.pending;
    }
  }

  /** Forgets leases that ran out: a key seen again simply leases anew. */
  sweep(now: number): void {
    for (const [key, lease] of this.leases) if (!lease.pending && now >= Math.max(lease.expiresAt, lease.deniedUntil)) this.leases.delete(key);
  }

  private async renew(key: string, lease: Lease): Promise<void> {
    const capacity = this.perMinute;
    const refilled = sql<number>`LEAST(${capacity}::float8, rate_limit_buckets.tokens
      + EXTRACT(EPOCH FROM (clock_timestamp() - rate_limit_buckets.updated_at)) * ${capacity / 60}::float8)`;
    const granted = sql<number>`LEAST(FLOOR(${refilled}), ${this.batch})::int`;
    const firstLease = Math.min(capacity, this.batch);
    const row = await this.db
      .insertInto('rate_limit_buckets')
      .values({ key: `${this.scope}:${key}`, tokens: capacity - firstLease, granted: firstLease, updated_at: sql`clock_timestamp()` })
      .onConflict((conflict) =>
        conflict.column('key').doUpdateSet({
          granted,
          tokens: sql`${refilled} - ${granted}`,
          updated_at: sql`clock_timestamp()`,
        }),
      )
      .returning(['granted', 'tokens'])
      .executeTakeFirstOrThrow();
    const msToNextToken = Math.max(0, (1 - row.tokens) * (60_000 / capacity));
    lease.tokens = row.granted;
    lease.expiresAt = Date.now() + leaseMs;
    lease.deniedUntil = row.granted === 0 ? Date.now() + Math.min(leaseMs, msToNextToken) : 0;
    lease.retryAfterSeconds = Math.max(1, Math.ceil(msToNextToken / 1000));
  }
}

/** A bucket idle for a minute is full again, so forgetting it changes nothing; any process may sweep. */
const sweepIntervalMs = 60_000;

export interface RateLimits {
  /** Requests per minute from one IP address, authenticated or not; 0 turns the limit off. */
  perIpPerMinute: number;
  /** Requests per minute with one API token or session; 0 turns the limit off. */
  perCallerPerMinute: number;
}

/** `what`: what there were too many of, as the answer names it ("requests from this address"). */
async function enforce(limiter: SharedRateLimiter | null, key: string, what: string): Promise<void> {
  if (!limiter) return;
  const outcome = await limiter.take(key);
  if (outcome.allowed) return;
  throw new ApiProblem('RATE_LIMITED', `Too many ${what}; retry in ${outcome.retryAfterSeconds} s`, {
    headers: { 'retry-after': String(outcome.retryAfterSeconds) },
  });
}

function callerKey(request: FastifyRequest): string | null {
  const caller = request.caller;
  if (!caller) return null;
  return caller.tokenId ? `token:${caller.tokenId}` : `user:${caller.userId}:${caller.orgId}`;
}

/**
 * Limits every REST request per IP (before authentication, so guessing tokens is throttled too)
 * and per caller once authenticated (a `preValidation` hook runs after the routes' `onRequest`
 * authentication). The health check is left alone: load balancers poll it.
 */
export function registerRateLimit(app: FastifyInstance, db: Kysely<Database>, limits: RateLimits, exempt: ReadonlySet<string>): void {
  const perIp = limits.perIpPerMinute > 0 ? new SharedRateLimiter(db, limits.perIpPerMinute, 'ip') : null;
  const perCaller = limits.perCallerPerMinute > 0 ? new SharedRateLimiter(db, limits.perCallerPerMinute, 'caller') : null;
  const limited = (request: FastifyRequest) => !exempt.has(request.routeOptions.url ?? '');

  app.addHook('onRequest', async (request) => {
    if (limited(request)) await enforce(perIp, request.ip, 'requests from this address');
  });
  app.addHook('preValidation', async (request) => {
    const key = callerKey(request);
    if (key && limited(request)) await enforce(perCaller, key, 'requests from this token or session');
  });

  sweepWhileOpen(app, db, [perIp, perCaller]);
}

/** Forgets spent leases in this process, and idle buckets for every process (any one may sweep). */
function sweepWhileOpen(app: FastifyInstance, db: Kysely<Database>, limiters: (SharedRateLimiter | null)[]): void {
  if (limiters.every((limiter) => limiter === null)) return;
  const sweeper = setInterval(() => {
    for (const limiter of limiters) limiter?.sweep(Date.now());
    db.deleteFrom('rate_limit_buckets')
      .where('updated_at', '<', sql<Date>`now() - interval '1 minute'`)
      .execute()
      .catch((error: unknown) => app.log.warn({ err: error }, 'sweeping idle rate-limit buckets failed'));
  }, sweepIntervalMs);
  sweeper.unref();
  app.addHook('onClose', async () => clearInterval(sweeper));
}

/**
 * A limit on one costly kind of call per organization (AI calls, which spend the organization's
 * model budget), on top of the per-caller limit: one bucket per organization, shared by its
 * members and by every API process. Returns the check a route runs once it knows the caller; 0
 * turns it off.
 */
export function perOrganizationLimit(app: FastifyInstance, db: Kysely<Database>, perMinute: number, scope: string, what: string): (orgId: string) => Promise<void> {
  const limiter = perMinute > 0 ? new SharedRateLimiter(db, perMinute, scope) : null;
  sweepWhileOpen(app, db, [limiter]);
  return (orgId) => enforce(limiter, orgId, what);
}
