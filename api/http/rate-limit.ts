import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiProblem } from '../../control/problem.js';

/**
 * A token bucket: `capacity` requests at once, refilled continuously at capacity per minute. A
 * burst up to the capacity passes; a steady rate above it waits.
 */
class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly capacity: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.updatedAt = now;
  }

  /** Takes one token; otherwise returns the seconds until one is available. */
  take(now: number): { allowed: true } | { allowed: false; retryAfterSeconds: number } {
    const refillPerMs = this.capacity / 60_000;
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.updatedAt) * refillPerMs);
    this.updatedAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - this.tokens) / refillPerMs / 1000)) };
  }

  idleSince(now: number): number {
    return now - this.updatedAt;
  }
}

/** In memory, per process: with several API replicas each enforces its own share. */
class RateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly perMinute: number) {}

  take(key: string, now: number) {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(this.perMinute, now);
      this.buckets.set(key, bucket);
    }
    return bucket.take(now);
  }

  /** A bucket idle for a minute is full again, so forgetting it changes nothing. */
  sweep(now: number): void {
    for (const [key, bucket] of this.buckets) if (bucket.idleSince(now) >= 60_000) this.buckets.delete(key);
  }
}

const sweepIntervalMs = 60_000;

export interface RateLimits {
  /** Requests per minute from one IP address, authenticated or not; 0 turns the limit off. */
  perIpPerMinute: number;
  /** Requests per minute with one API token or session; 0 turns the limit off. */
  perCallerPerMinute: number;
}

function enforce(limiter: RateLimiter | null, key: string, what: string): void {
  if (!limiter) return;
  const outcome = limiter.take(key, Date.now());
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
export function registerRateLimit(app: FastifyInstance, limits: RateLimits, exempt: ReadonlySet<string>): void {
  const perIp = limits.perIpPerMinute > 0 ? new RateLimiter(limits.perIpPerMinute) : null;
  const perCaller = limits.perCallerPerMinute > 0 ? new RateLimiter(limits.perCallerPerMinute) : null;
  const limited = (request: FastifyRequest) => !exempt.has(request.routeOptions.url ?? '');

  app.addHook('onRequest', async (request) => {
    if (limited(request)) enforce(perIp, request.ip, 'requests from this address');
  });
  app.addHook('preValidation', async (request) => {
    const key = callerKey(request);
    if (key && limited(request)) enforce(perCaller, key, 'requests from this token or session');
  });

  sweepWhileOpen(app, [perIp, perCaller]);
}

function sweepWhileOpen(app: FastifyInstance, limiters: (RateLimiter | null)[]): void {
  const sweeper = setInterval(() => {
    const now = Date.now();
    for (const limiter of limiters) limiter?.sweep(now);
  }, sweepIntervalMs);
  sweeper.unref();
  app.addHook('onClose', async () => clearInterval(sweeper));
}

/**
 * A limit on one costly kind of call per organization (AI calls, which spend the organization's
 * model budget), on top of the per-caller limit: one bucket per organization, shared by its
 * members. Returns the check a route runs once it knows the caller; 0 turns it off.
 */
export function perOrganizationLimit(app: FastifyInstance, perMinute: number, what: string): (orgId: string) => void {
  const limiter = perMinute > 0 ? new RateLimiter(perMinute) : null;
  sweepWhileOpen(app, [limiter]);
  return (orgId) => enforce(limiter, orgId, `${what} from this organization`);
}
