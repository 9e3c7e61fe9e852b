import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ReportOutbox } from '../../agent/report-outbox.js';
import type { AgentMessage } from '../../contracts/index.js';

const answer = (requestId: string): AgentMessage => ({
  id: randomUUID(),
  timestamp: new Date().toISOString(),
  type: 'command_response',
  payload: { request_id: requestId, success: true, data: null },
});
const requestIds = (reports: AgentMessage[]) => reports.map((report) => (report.type === 'command_response' ? report.payload.request_id : report.type));

describe('the agent\'s report outbox', () => {
  it('holds at most its bound of unacknowledged reports, dropping the oldest, and resends the rest in order', () => {
    const dropped: AgentMessage[] = [];
    const outbox = new ReportOutbox(3, (report) => dropped.push(report));
    outbox.resend(true, () => undefined);
    const reports = ['a', 'b', 'c', 'd', 'e'].map(answer);
    for (const report of reports) outbox.sent(report);
    expect(outbox.size).toBe(3);
    expect(requestIds(dropped)).toEqual(['a', 'b']);

    outbox.acknowledge(reports[3]!.id);
    const resent: AgentMessage[] = [];
    outbox.resend(true, (report) => resent.push(report));
    expect(resent).toEqual([reports[2], reports[4]]);
    expect(outbox.size).toBe(2);
  });

  it('keeps an alert only until it is sent, and everything only until sent to a control plane that does not acknowledge', () => {
    const outbox = new ReportOutbox(10, () => undefined);
    const alert: AgentMessage = {
      id: randomUUID(),
      timestamp: new Date().toISOString(),
      type: 'alert',
      payload: { alert_id: randomUUID(), server_id: `srv_${'0'.repeat(32)}`, timestamp: new Date().toISOString(), severity: 'critical', type: 'resource_critical', title: 'Disk almost full', message: 'Disk 95% full', metadata: {} },
    };
    outbox.keep(answer('offline'));
    outbox.keep(alert);
    const resent: AgentMessage[] = [];
    outbox.resend(true, (report) => resent.push(report));
    expect(requestIds(resent)).toEqual(['offline', 'alert']);
    expect(outbox.size).toBe(1);

    outbox.resend(false, () => undefined);
    outbox.sent(answer('unacknowledged'));
    expect(outbox.size).toBe(0);
  });
});
