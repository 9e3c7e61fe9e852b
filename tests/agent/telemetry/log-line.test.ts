import { describe, expect, it } from 'vitest';
import { parseLogLine } from '../../../agent/telemetry/log-line.js';

describe('container log lines', () => {
  it('reads pino and bunyan numeric levels, the message and trace context of a JSON line', () => {
    const line = JSON.stringify({ level: 50, time: 1700000000000, msg: 'charge failed', trace_id: 'ABCDEF0123456789ABCDEF0123456789', span_id: '0123456789abcdef', order: 17 });
    expect(parseLogLine(line, 'stdout')).toEqual({
      level: 'error',
      message: 'charge failed',
      attributes: { time: 1700000000000, trace_id: 'ABCDEF0123456789ABCDEF0123456789', span_id: '0123456789abcdef', order: 17 },
      trace_id: 'abcdef0123456789abcdef0123456789',
      span_id: '0123456789abcdef',
    });
    expect(parseLogLine('{"level":10,"msg":"x"}', 'stdout').level).toBe('trace');
    expect(parseLogLine('{"level":60,"msg":"x"}', 'stdout').level).toBe('fatal');
  });

  it('reads names of levels in JSON (severity, WARNING) and logfmt lines, quoted values included', () => {
    expect(parseLogLine('{"severity":"WARNING","message":"slow"}', 'stdout')).toMatchObject({ level: 'warn', message: 'slow', attributes: {} });
    expect(parseLogLine('time=2024-01-01T00:00:00Z lvl=crit msg="disk \\"sda\\" failed" code=5', 'stdout')).toEqual({
      level: 'fatal',
      message: 'disk "sda" failed',
      attributes: { time: '2024-01-01T00:00:00Z', code: '5' },
    });
  });

  it('keeps other lines whole, at info on stdout and error on stderr; an unknown level word is a field', () => {
    expect(parseLogLine('GET / 200 12ms', 'stdout')).toEqual({ level: 'info', message: 'GET / 200 12ms', attributes: {} });
    expect(parseLogLine('Traceback (most recent call last):', 'stderr')).toEqual({ level: 'error', message: 'Traceback (most recent call last):', attributes: {} });
    expect(parseLogLine('{"level":"chatty","msg":"hi"}', 'stderr')).toEqual({ level: 'error', message: 'hi', attributes: { level: 'chatty' } });
    expect(parseLogLine('[1, 2]', 'stdout').message).toBe('[1, 2]');
  });
});
