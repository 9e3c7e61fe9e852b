import type { Logger } from 'pino';
import {
  LEGACY_PROTOCOL_VERSION,
  protocolAtLeast,
  SPAN_COLUMNS_MIN_PROTOCOL,
  spansOf,
  TELEMETRY_ACK_MIN_PROTOCOL,
  type AgentConfig,
  type TelemetryAckPayload,
  type TelemetryData,
} from '../../contracts/index.js';
import type { Emit } from '../outbound.js';
import { messageOf } from '../errors.js';
import { BATCH_TARGET_JSON_BYTES, BYTES_PER_MB, type SpooledBatch, type TelemetrySpool } from './spool.js';
import type { Zstd } from './zstd.js';

/* A batch sent without an answer for this long is sent again (the ack, or the batch, was lost). */
export const ACK_TIMEOUT_MS = 60_000;
/*
 * Unacknowledged batches at once. Enough for the control plane to gather large inserts while
 * earlier ones are being written (fewer in flight left it idle between acks, bench/telemetry-spans-e2e.ts);
 * few enough that a full spool drains after a reconnect in steps, not 50 MB in one burst.
 */
export const MAX_BATCHES_IN_FLIGHT = 16;

interface Session {
  /** Protocol 1.1 acknowledges batches; a 1.0 control plane does not, so batches are sent and dropped. */
  acknowledges: boolean;
  /** Protocol 1.2 reads spans as columns; an older control plane gets them as `traces`. */
  spanColumns: boolean;
  inFlight: Map<string, number>;
}

/**
 * Moves sealed batches from the spool to the control plane as `telemetry_batch`. Every
 * `telemetry_batch_interval_seconds` the journal is sealed (also while offline, which keeps the
 * journal small); during a session, batches are sent oldest first and leave the spool only on
 * `telemetry_ack { accepted: true }` (or a VALIDATION_ERROR refusal: it could never be stored).
 * Anything else is sent again later, without a time limit, across reconnects.
 */
export class TelemetrySender {
  private session: Session | null = null;
  private timer: NodeJS.Timeout | null = null;
  private intervalMs: number;
  private ticking: Promise<void> | null = null;

  constructor(
    private readonly spool: TelemetrySpool,
    private readonly options: {
      emit: Emit;
      /** `agt_…` of every batch; a function because the agent learns it from `hello_ack`. */
      agentId: () => string;
      log: Logger;
      /** Called after each sealing, e.g. to report what the spool dropped. */
      afterSeal?: () => void;
      /** Called as each session begins, e.g. to restate a standing problem the control plane forgot at hello. */
      onSession?: () => void;
      config: AgentConfig;
      /** The spool's zstd, to rewrite a batch for a control plane before 1.2. */
      zstd: Zstd;
    },
  ) {
    this.intervalMs = options.config.telemetry_batch_interval_seconds * 1000;
    this.spool.setMaxBytes(options.config.telemetry_buffer_max_mb * BYTES_PER_MB);
  }

  get intervalSeconds(): number {
    return this.intervalMs / 1000;
  }

  /**
   * When a full spool may have room again: during a session batches leave as they are
   * acknowledged (sealing by size keeps them coming), so within a second; offline, not before the
   * next interval at the earliest.
   */
  get retryAfterSeconds(): number {
    return this.session ? 1 : this.intervalSeconds;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => this.loop(), this.intervalMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.session = null;
    await this.ticking;
  }

  beginSession(config: AgentConfig, protocolVersion: string | undefined): void {
    const intervalMs = config.telemetry_batch_interval_seconds * 1000;
    // A waiting timer set for the old interval is set again for the new one.
    if (intervalMs !== this.intervalMs && this.timer && !this.ticking) {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.loop(), intervalMs);
    }
    this.intervalMs = intervalMs;
    this.spool.setMaxBytes(config.telemetry_buffer_max_mb * BYTES_PER_MB);
    const protocol = protocolVersion ?? LEGACY_PROTOCOL_VERSION;
    this.session = {
      acknowledges: protocolAtLeast(protocol, TELEMETRY_ACK_MIN_PROTOCOL),
      spanColumns: protocolAtLeast(protocol, SPAN_COLUMNS_MIN_PROTOCOL),
      inFlight: new Map(),
    };
    this.options.onSession?.();
    void this.sendDue();
  }

  endSession(): void {
    this.session = null;
  }

  onAck(ack: TelemetryAckPayload): void {
    const session = this.session;
    if (!session?.inFlight.has(ack.batch_id)) return;
    if (!ack.accepted && ack.error.code !== 'VALIDATION_ERROR') {
      session.inFlight.delete(ack.batch_id);
      this.log.warn({ batchId: ack.batch_id, error: ack.error }, 'the control plane could not store a telemetry batch; it will be sent again');
      return;
    }
    if (!ack.accepted) this.log.error({ batchId: ack.batch_id, error: ack.error }, 'the control plane refused a telemetry batch as invalid; it is dropped');
    // In flight until it has left the spool: a sendDue meanwhile (another ack's) would send it again.
    void this.spool
      .remove(ack.batch_id)
      .then(() => {
        session.inFlight.delete(ack.batch_id);
        return this.sendDue();
      })
      .catch((error: unknown) => this.log.error(`could not remove an acknowledged telemetry batch: ${messageOf(error)}`));
  }

  /** Seals the journal and sends what is due; exposed so tests and shutdown need not wait for the timer. */
  async tick(): Promise<void> {
    try {
      await this.spool.seal();
      this.options.afterSeal?.();
      await this.sendDue();
    } catch (error) {
      this.log.error(`telemetry spool: ${messageOf(error)}`);
    }
  }

  /**
   * Seals at once when the journal already holds a whole batch, whatever the clock says: under
   * load, batches leave by size (and the interval only bounds how long a quiet trickle waits).
   */
  nudge(): void {
    if (this.ticking || !this.timer || this.spool.journalSize < BATCH_TARGET_JSON_BYTES) return;
    this.ticking = this.tick().finally(() => {
      this.ticking = null;
    });
  }

  private loop(): void {
    // A nudge's sealing is still running: this turn of the clock has nothing left to do.
    if (this.ticking) {
      this.timer = setTimeout(() => this.loop(), this.intervalMs);
      return;
    }
    this.ticking = this.tick().finally(() => {
      this.ticking = null;
      if (this.timer) this.timer = setTimeout(() => this.loop(), this.intervalMs);
    });
  }

  private get log(): Logger {
    return this.options.log;
  }

  private async sendDue(): Promise<void> {
    const session = this.session;
    if (!session) return;
    const now = Date.now();
    for (const [batchId, sentAt] of session.inFlight) if (now - sentAt > ACK_TIMEOUT_MS) session.inFlight.delete(batchId);
    for (const batch of this.spool.batches()) {
      if (this.session !== session || session.inFlight.size >= MAX_BATCHES_IN_FLIGHT) return;
      if (session.inFlight.has(batch.batchId)) continue;
      session.inFlight.set(batch.batchId, now);
      await this.send(batch, session);
    }
  }

  private async send(batch: SpooledBatch, session: Session): Promise<void> {
    const stored = await this.spool.read(batch);
    if (this.session !== session) return;
    const content = session.spanColumns ? stored : this.withSpansAsRows(stored, batch);
    this.options.emit({
      type: 'telemetry_batch',
      payload: { batch_id: batch.batchId, agent_id: this.options.agentId(), compression: 'zstd', data: content.toString('base64') },
    });
    if (!session.acknowledges) {
      await this.spool.remove(batch.batchId);
      session.inFlight.delete(batch.batchId);
    }
  }

  /*
   * A batch is sealed before it is known which control plane gets it, so its spans in columns are
   * turned into `traces` for one before 1.2 each time it is sent there; the spooled batch stays as
   * it is, for a later session that reads columns. Rows are more JSON, but the field names they
   * repeat compress to almost nothing, so the frame stays about the size it was. A batch that does
   * not decode cannot be rewritten: it goes as it is, and is refused as invalid as it would be by
   * any control plane.
   */
  private withSpansAsRows(content: Buffer, batch: SpooledBatch): Buffer {
    const { zstd } = this.options;
    let data: TelemetryData;
    try {
      data = JSON.parse(Buffer.from(zstd.decompress(content)).toString('utf8')) as TelemetryData;
    } catch (error) {
      this.log.error({ batchId: batch.batchId }, `a spooled telemetry batch does not decode: ${messageOf(error)}`);
      return content;
    }
    if (!data.span_columns) return content;
    data.traces = data.traces.concat(...data.span_columns.map(spansOf));
    delete data.span_columns;
    return Buffer.from(zstd.compress(Buffer.from(JSON.stringify(data))));
  }
}
