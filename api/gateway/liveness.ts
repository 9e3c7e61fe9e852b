import { randomUUID } from 'node:crypto';
import type { PingPayload } from '../../contracts/index.js';

/** Pings in a row an agent may leave unanswered before its connection is given up. */
export const missedPongsAllowed = 2;

/**
 * The control plane's half of the contract's ping/pong. A connection cut by the network (a cable,
 * a NAT that forgot the flow) stays half-open: writes still succeed locally and no close ever
 * comes, so without this the server stayed "online" until the heartbeat sweep noticed (three
 * heartbeat intervals), and outbox commands were marked sent into the void. A ping goes out every
 * interval; when `missedPongsAllowed` of them are outstanding at the next tick, `onSilent` runs
 * (the session terminates the socket: a close handshake would wait for a peer that is not there).
 * Any pong echoing an outstanding nonce proves the agent is there, even a late one.
 */
export class AgentLiveness {
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
