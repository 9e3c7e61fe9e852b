import type { Command } from 'commander';
import { LogQuery, MAX_LOG_LIMIT } from '../../contracts/api/queries.js';
import { liveEvents, type LiveLogLines } from '../../contracts/live.js';
import { LogLevel, type LogEntry } from '../../contracts/telemetry/records.js';
import { openLive } from '../client/live.js';
import { findService } from '../client/service-names.js';
import { colors } from '../terminal/output.js';
import { UsageError } from '../usage-error.js';
import { connect, type GlobalOptions } from './session.js';

/*
 * `syntra logs`: a service's stored lines, oldest first, then with -f the new ones as they are
 * stored (the `service_logs` room). The API filters the stored lines; live lines are filtered
 * here the same way (level and above, text in any case), since a room sends them all.
 */

const levelFilter = LogQuery.shape.level.unwrap();
const sinceUnitsSeconds = { s: 1, m: 60, h: 3600, d: 86_400 } as const;

/** `--since 15m`, `2h`, `7d`, or an ISO date. */
export function sinceInstant(since: string, now = Date.now()): string {
  const relative = /^(\d+)([smhd])$/.exec(since);
  if (relative) return new Date(now - Number(relative[1]) * sinceUnitsSeconds[relative[2] as keyof typeof sinceUnitsSeconds] * 1000).toISOString();
  const instant = Date.parse(since);
  if (Number.isNaN(instant)) throw new UsageError(`--since takes a duration like 30m, 2h or 7d, or a date; not ${since}`);
  return new Date(instant).toISOString();
}

const levelColors: Partial<Record<LogEntry['level'], (text: string) => string>> = { warn: colors.yellow, error: colors.red, fatal: colors.red };

function lineOf(entry: LogEntry): string {
  const level = entry.level.padEnd(5);
  return `${colors.dim(entry.timestamp)} ${(levelColors[entry.level] ?? ((text: string) => text))(level)} ${entry.message}`;
}

interface LogsOptions {
  follow?: boolean;
  since?: string;
  level?: string;
  grep?: string;
  limit: number;
  json?: boolean;
}

export function registerLogsCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('logs')
    .argument('<service>', 'name, project/name or id')
    .description("a service's log lines, oldest first; -f keeps following")
    .option('-f, --follow', 'keep printing new lines until Ctrl-C')
    .option('--since <when>', 'from this long ago (30m, 2h, 7d) or this date')
    .option('--level <level>', `this level and more severe: ${levelFilter.options.join(', ')}`)
    .option('--grep <text>', 'only lines containing this text, any case')
    .option('--limit <n>', `at most this many stored lines (up to ${MAX_LOG_LIMIT})`, (value) => Number(value), 100)
    .option('--json', 'one LogEntry per line (NDJSON)')
    .addHelpText('after', '\nExamples:\n  syntra logs shop/web --since 1h --level error\n  syntra logs web -f --grep timeout')
    .action(async (name: string, options: LogsOptions) => {
      const level = options.level === undefined ? undefined : levelFilter.safeParse(options.level);
      if (level && !level.success) throw new UsageError(`--level is one of ${levelFilter.options.join(', ')}`);
      if (!Number.isInteger(options.limit) || options.limit < 1 || options.limit > MAX_LOG_LIMIT) throw new UsageError(`--limit is a whole number from 1 to ${MAX_LOG_LIMIT}`);
      const api = await connect(globals());
      const { service } = await findService(api, name);
      const print = (entry: LogEntry) => process.stdout.write(`${options.json ? JSON.stringify(entry) : lineOf(entry)}\n`);
      const query = {
        ...(level ? { level: level.data } : {}),
        ...(options.grep ? { search: options.grep } : {}),
        limit: options.limit,
      };
      const stored = await api.call('getServiceLogs', { params: { serviceId: service.id }, query: { ...query, ...(options.since ? { from: sinceInstant(options.since) } : {}) } });
      // The API answers newest first.
      stored.reverse().forEach(print);
      if (!options.follow) return;

      const minimumLevel = level ? LogLevel.options.indexOf(level.data) : 0;
      const needle = options.grep?.toLowerCase();
      const wanted = (entry: LogEntry) => LogLevel.options.indexOf(entry.level) >= minimumLevel && (!needle || entry.message.toLowerCase().includes(needle));
      let lastShown = stored.at(-1)?.timestamp ?? new Date().toISOString();
      const shownAtLast = new Set(stored.filter((entry) => entry.timestamp === lastShown).map((entry) => entry.message));
      const show = (entry: LogEntry) => {
        if (entry.timestamp < lastShown || (entry.timestamp === lastShown && shownAtLast.has(entry.message))) return;
        if (entry.timestamp > lastShown) {
          lastShown = entry.timestamp;
          shownAtLast.clear();
        }
        shownAtLast.add(entry.message);
        if (wanted(entry)) print(entry);
      };
      const problems = new Set<string>();
      const live = openLive(api.url, api.token, (problem) => {
        if (!problems.has(problem)) process.stderr.write(`${problem}\n`);
        problems.add(problem);
      });
      live.on<LiveLogLines>(liveEvents.logLines, (message) => {
        if (message.service_id === service.id) message.lines.forEach(show);
      });
      // After a reconnect, what was stored meanwhile comes over REST.
      live.join({ kind: 'service_logs', id: service.id }, () => {
        void api
          .call('getServiceLogs', { params: { serviceId: service.id }, query: { ...query, from: lastShown } })
          .then((missed) => missed.reverse().forEach(show))
          .catch((error: unknown) => process.stderr.write(`syntra: ${error instanceof Error ? error.message : String(error)}\n`));
      });
      await new Promise<void>((resolve) => process.once('SIGINT', resolve));
      live.close();
    });
}
