import { ACKNOWLEDGED_REPORT_TYPES, type AgentMessage } from '../contracts/index.js';

/* What waits for the next session while the agent is offline; heartbeats, logs and progress of builds are only worth sending live. */
const KEPT_WHILE_OFFLINE: ReadonlySet<AgentMessage['type']> = new Set(['command_response', 'deploy_status', 'alert']);
const AWAITING_ACKNOWLEDGEMENT: ReadonlySet<AgentMessage['type']> = new Set(ACKNOWLEDGED_REPORT_TYPES);

/**
 * The agent's reports that must reach the control plane, in the order they were made, each
 * framed once so that a resend carries the same envelope id, by which the control plane applies
 * a repeat once. While the agent is offline they wait here for the next session. A control plane
 * of protocol 1.3 or later acknowledges each command answer and deploy status once it has stored
 * and signalled it (`report_ack`); until then the report stays, because bytes written into the
 * socket of a control-plane process that dies are lost, and it is sent again after the next hello,
 * to whichever process that is. Bounded: past `maxReports` the oldest go first, so neither a long
 * outage nor a control plane that never acknowledges makes the agent grow without end.
 */
export class ReportOutbox {
  private reports: AgentMessage[] = [];
  private acknowledging = false;

  constructor(
    private readonly maxReports: number,
    private readonly onDropped: (report: AgentMessage) => void,
  ) {}

  /** Whether a message is one this outbox keeps while offline. */
  static keepsWhileOffline(type: AgentMessage['type']): boolean {
    return KEPT_WHILE_OFFLINE.has(type);
  }

  get size(): number {
    return this.reports.length;
  }

  /** A report made while offline, for the next session. */
  keep(report: AgentMessage): void {
    this.reports.push(report);
    if (this.reports.length > this.maxReports) this.onDropped(this.reports.shift()!);
  }

  /** A report just sent: kept until acknowledged when this session's control plane acknowledges it. */
  sent(report: AgentMessage): void {
    if (this.acknowledging && AWAITING_ACKNOWLEDGEMENT.has(report.type)) this.keep(report);
  }

  /** The control plane has handled this report for good. */
  acknowledge(messageId: string): void {
    const index = this.reports.findIndex((report) => report.id === messageId);
    if (index !== -1) this.reports.splice(index, 1);
  }

  /**
   * A new session: sends every report kept, oldest first, and from now on keeps what this
   * control plane acknowledges (`acknowledging`) until it does.
   */
  resend(acknowledging: boolean, send: (report: AgentMessage) => void): void {
    this.acknowledging = acknowledging;
    const reports = this.reports;
    this.reports = acknowledging ? reports.filter((report) => AWAITING_ACKNOWLEDGEMENT.has(report.type)) : [];
    for (const report of reports) send(report);
  }
}
