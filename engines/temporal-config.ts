import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';

const portNumber = z.number().int().min(1).max(65535);
const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an identifier');

/** The shape of temporal-dev.yaml (the project's own convention; the dev server reads no file). */
export const TemporalDevConfig = z.strictObject({
  namespace: z.string().min(1),
  frontend: z.strictObject({
    ip: z.string().min(1),
    port: portNumber,
    http_port: portNumber,
    metrics_port: portNumber,
  }),
  ui: z.strictObject({ enabled: z.boolean(), ip: z.string().min(1), port: portNumber }),
  database_file: z.string().min(1),
  log_level: z.enum(['debug', 'info', 'warn', 'error']),
  search_attributes: z.record(
    identifier,
    z.enum(['Text', 'Keyword', 'Int', 'Double', 'Bool', 'Datetime', 'KeywordList']),
  ),
  dynamic_config: z.record(z.string().regex(/^[A-Za-z0-9_.]+$/), z.json()),
  task_queues: z.strictObject({ operations: z.string().min(1), dag: z.string().min(1) }),
  /** Activity-only queues polled by `syntra api`, for activities that read ClickHouse (only the API process opens chDB). */
  api_task_queues: z.strictObject({ ai: z.string().min(1) }),
});
export type TemporalDevConfig = z.infer<typeof TemporalDevConfig>;

export async function loadTemporalDevConfig(file: string): Promise<TemporalDevConfig> {
  const parsed = TemporalDevConfig.safeParse(parse(await readFile(file, 'utf8')));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`${file} is invalid:\n${problems.join('\n')}`);
  }
  return parsed.data;
}

/** Overrides let tests run a second dev server beside a developer's on other ports. */
export interface DevServerPlacement {
  dataDir: string;
  ports?: Partial<{ frontend: number; http: number; metrics: number; ui: number }>;
  /** false: keep state in memory (tests); true: the yaml's database file under dataDir. */
  persistent: boolean;
}

export function devServerPorts(config: TemporalDevConfig, placement: DevServerPlacement) {
  return {
    frontend: placement.ports?.frontend ?? config.frontend.port,
    http: placement.ports?.http ?? config.frontend.http_port,
    metrics: placement.ports?.metrics ?? config.frontend.metrics_port,
    ui: placement.ports?.ui ?? config.ui.port,
  };
}

export function databaseFile(config: TemporalDevConfig, dataDir: string): string {
  return path.resolve(dataDir, config.database_file);
}

/** The `temporal server start-dev` command line that the yaml describes. */
export function devServerArgs(config: TemporalDevConfig, placement: DevServerPlacement): string[] {
  const ports = devServerPorts(config, placement);
  const args = [
    'server', 'start-dev',
    '--ip', config.frontend.ip,
    '--port', String(ports.frontend),
    '--http-port', String(ports.http),
    '--metrics-port', String(ports.metrics),
    '--namespace', config.namespace,
    '--log-level', config.log_level,
    '--log-format', 'json',
  ];
  if (placement.persistent) args.push('--db-filename', databaseFile(config, placement.dataDir));
  if (config.ui.enabled) args.push('--ui-ip', config.ui.ip, '--ui-port', String(ports.ui), '--ui-disable-news-fetch');
  else args.push('--headless');
  for (const [name, type] of Object.entries(config.search_attributes)) {
    args.push('--search-attribute', `${name}=${type}`);
  }
  for (const [key, value] of Object.entries(config.dynamic_config)) {
    args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  }
  return args;
}
