import { randomUUID } from 'node:crypto';
import type { PingPayload } from '../index.js';

/** Pings in a row a peer may leave unanswered before its connection is given up. */
export const missedPongsAllowed = 2;

/**
 * Either side's half of the contract's ping/pong. A connection cut by the network (a cable, a NAT
 * that forgot the flow) stays half-open: writes still succeed locally and no close ever comes.
 * Without pings the control plane kept the server "online" until its heartbeat sweep noticed
 * (three heartbeat intervals) and marked outbox commands sent into the void, and the agent waited
 * for TCP to give up before reconnecting. A ping goes out every interval; when
 * `missedPongsAllowed` of them are outstanding at the next tick, `onSilent` runs (the owner
 * terminates the socket: a close handshake would wait for a peer that is not there). Any pong
 * echoing an outstanding nonce proves the peer is there, even a late one.
 */
export class LivenessProbe {
  private readonly outstanding = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly sendPing: (ping: PingPayload) => void,
    private readonly onSilent: () => void,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  answered(nonce: string): void {
    if (this.outstanding.has(nonce)) this.outstanding.clear();
  }

  private tick(): void {
    if (this.outstanding.size >= missedPongsAllowed) {
      this.stop();
      return this.onSilent();
    }
    const nonce = randomUUID();
    this.outstanding.add(nonce);
    this.sendPing({ nonce, sent_at: new Date().toISOString() });
  }
}
