import type { LogEntry, LogLevel } from '../../contracts/index.js';

/** What one line of a container's output says about itself. */
export type ParsedLogLine = Pick<LogEntry, 'level' | 'message' | 'attributes'> & Partial<Pick<LogEntry, 'trace_id' | 'span_id'>>;

const LEVEL_KEYS = ['level', 'lvl', 'severity', 'log.level', 'loglevel'];
const MESSAGE_KEYS = ['msg', 'message'];
const LOGFMT_PAIR = /([\w.-]+)=("(?:[^"\\]|\\.)*"|\S*)/g;
const LOGFMT_LEVEL = /(?:^|\s)(?:level|lvl)=/;
/* pino, bunyan: 10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal. */
const NUMERIC_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

/**
 * The level, message and fields of one line: from a JSON object line (pino, bunyan, zap,
 * structlog …) or a logfmt line (`level=warn msg="…" key=value`); any other line is its own
 * message, at `info` on stdout and `error` on stderr (the convention most platforms follow).
 */
export function parseLogLine(line: string, stream: 'stdout' | 'stderr'): ParsedLogLine {
  const fallbackLevel: LogLevel = stream === 'stderr' ? 'error' : 'info';
  const trimmed = line.trim();
  if (trimmed.startsWith('{') && trimmed.endsWith('}')) {
    const fields = parseJsonObject(trimmed);
    if (fields) return fromFields(fields, fallbackLevel, line);
  }
  if (LOGFMT_LEVEL.test(line)) {
    const fields: Record<string, unknown> = {};
    for (const [, key, raw] of line.matchAll(LOGFMT_PAIR)) fields[key!] = raw!.startsWith('"') ? unquote(raw!) : raw;
    return fromFields(fields, fallbackLevel, line);
  }
  return { level: fallbackLevel, message: line, attributes: {} };
}

function fromFields(fields: Record<string, unknown>, fallbackLevel: LogLevel, line: string): ParsedLogLine {
  const attributes = { ...fields };
  const levelKey = LEVEL_KEYS.find((key) => key in fields);
  const messageKey = MESSAGE_KEYS.find((key) => typeof fields[key] === 'string');
  const level = levelKey === undefined ? undefined : levelOf(fields[levelKey]);
  if (levelKey !== undefined && level !== undefined) delete attributes[levelKey];
  if (messageKey !== undefined) delete attributes[messageKey];
  const traceId = idField(fields, ['trace_id', 'traceId', 'trace.id'], 32);
  const spanId = idField(fields, ['span_id', 'spanId', 'span.id'], 16);
  return {
    level: level ?? fallbackLevel,
    message: messageKey === undefined ? line : (fields[messageKey] as string),
    attributes,
    ...(traceId && { trace_id: traceId }),
    ...(spanId && { span_id: spanId }),
  };
}

/** A level named in free text ("WARNING", "err", "critical"), or undefined. */
export function levelFromText(text: string | undefined): LogLevel | undefined {
  const word = text?.trim().toLowerCase();
  if (!word) return undefined;
  if (word.startsWith('trace')) return 'trace';
  if (word.startsWith('debug') || word === 'dbg') return 'debug';
  if (word.startsWith('info') || word === 'notice') return 'info';
  if (word.startsWith('warn')) return 'warn';
  if (word.startsWith('err')) return 'error';
  if (word === 'fatal' || word === 'critical' || word === 'crit' || word === 'panic' || word === 'emergency' || word === 'alert') return 'fatal';
  return undefined;
}

function levelOf(value: unknown): LogLevel | undefined {
  if (typeof value === 'number') return NUMERIC_LEVELS[Math.min(Math.max(Math.floor(value / 10) - 1, 0), 5)];
  return typeof value === 'string' ? levelFromText(value) : undefined;
}

function idField(fields: Record<string, unknown>, keys: string[], hexDigits: number): string | undefined {
  for (const key of keys) {
    const value = fields[key];
    if (typeof value === 'string' && value.length === hexDigits && /^[0-9a-fA-F]+$/.test(value)) return value.toLowerCase();
  }
  return undefined;
}

function parseJsonObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function unquote(raw: string): string {
  try {
    return JSON.parse(raw) as string;
  } catch {
    return raw.slice(1, -1);
  }
}
