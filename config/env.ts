import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { Domain } from '../contracts/primitives.js';
import { tokenKind } from '../contracts/tokens.js';
import { parseMasterKey } from './master-key.js';

/**
 * Every environment variable Syntra reads, in one place. Each entry documents itself; `syntra env platform`
 * prints this table, and an invalid value stops start-up with the variable's name.
 */
const port = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);
const optionalUrl = (protocols: string[]) =>
  z
    .string()
    .trim()
    .min(1)
    .refine((value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    }, `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`)
    .optional();

/** A ClickHouse cluster name as the DDL writes it unquoted (db/clickhouse/cluster-schema.ts). */
export const clickhouseClusterName = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const environmentVariables = {
  PORT: { schema: port(3000), doc: 'Port of the API, the agent gateway and the UI.' },
  HOST: { schema: z.string().min(1).default('127.0.0.1'), doc: 'Address the API listens on.' },
  SYNTRA_DATA_DIR: {
    schema: z.string().min(1).default('.syntra'),
    doc: 'Folder for embedded engine data (PostgreSQL, ClickHouse, Temporal) and local tools.',
  },
  SYNTRA_TOOLS_DIR: {
    schema: z.string().min(1).default('.tools'),
    doc: 'Folder for tools Syntra installs itself (the Temporal CLI); shared by dev runs and tests.',
  },
  DATABASE_URL: {
    schema: optionalUrl(['postgres:', 'postgresql:']),
    doc: 'External PostgreSQL. Unset: an embedded PostgreSQL under SYNTRA_DATA_DIR.',
  },
  SYNTRA_POSTGRES_PORT: { schema: port(5433), doc: 'Port of the embedded PostgreSQL.' },
  SYNTRA_REGISTRY_PORT: {
    schema: port(5010),
    doc: "Port of the registry `syntra dev` starts when REGISTRY_URL is unset; fixed, since built images' references (kept for rollbacks) name it.",
  },
  SYNTRA_REGISTRY_GC_HOURS: {
    schema: z.coerce.number().min(0).max(8760).default(24),
    doc: "How often `syntra dev` collects its registry's garbage (the disk of deleted built images), restarting it read-only meanwhile; 0: never. An external REGISTRY_URL's garbage is its operator's to collect.",
  },
  CLICKHOUSE_URL: {
    schema: optionalUrl(['http:', 'https:']),
    doc: 'External ClickHouse over HTTP (user and password in the URL). Unset: embedded chDB under SYNTRA_DATA_DIR.',
  },
  CLICKHOUSE_CLUSTER: {
    schema: z
      .string()
      .trim()
      .regex(clickhouseClusterName, 'must be a ClickHouse cluster name (letters, digits, _)')
      .optional(),
    doc: 'The ClickHouse cluster (remote_servers) to create the telemetry tables on: Replicated*MergeTree tables with Distributed ones over them, ON CLUSTER. Needs CLICKHOUSE_URL. Unset: one node.',
  },
  TEMPORAL_ADDRESS: {
    schema: z
      .string()
      .trim()
      .regex(/^[^\s:/]+:\d{1,5}$/, 'must be host:port, for example 127.0.0.1:7233')
      .optional(),
    doc: 'External Temporal frontend (host:port). Unset: a Temporal dev server started from temporal-dev.yaml.',
  },
  TEMPORAL_NAMESPACE: {
    schema: z.string().min(1).optional(),
    doc: 'Temporal namespace. Unset: the namespace in temporal-dev.yaml.',
  },
  TEMPORAL_WEB_URL: {
    schema: optionalUrl(['http:', 'https:']),
    doc: 'Base URL of Temporal Web, for links to workflow runs (`syntra dev` sets it to its dev server\'s UI).',
  },
  SYNTRA_TEMPORAL_CONFIG: {
    schema: z.string().min(1).default('temporal-dev.yaml'),
    doc: 'Path of the Temporal dev server description (namespace, ports, task queues).',
  },
  SYNTRA_UI: {
    schema: z.enum(['dist', 'dev']).default('dist'),
    doc: 'How the API serves the web UI: `dist` (the build in ui/dist, `npm run build:ui`) or `dev` (Vite with hot reload; set by `syntra dev`).',
  },
  SYNTRA_MANAGED_ENGINES: {
    schema: z
      .string()
      .default('')
      .transform((value) => value.split(',').map((e) => e.trim()).filter(Boolean))
      .pipe(z.array(z.enum(['postgres', 'temporal']))),
    doc: 'Set by `syntra dev` for the processes it starts: engines it embeds although their URL is set. Reported by /api/v1/health.',
  },
  SYNTRA_AGENT_HEARTBEAT_SECONDS: {
    schema: z.coerce.number().int().min(1).max(3600).default(30),
    doc: 'Heartbeat interval handed to agents in hello_ack; a server is offline after three missed intervals.',
  },
  SYNTRA_AGENT_PING_SECONDS: {
    schema: z.coerce.number().int().min(1).max(3600).default(15),
    doc: 'How often the gateway pings each connected agent; a connection that misses two pongs in a row is closed (a half-open TCP connection after a network cut).',
  },
  SYNTRA_PUBLIC_URL: {
    schema: optionalUrl(['http:', 'https:']),
    doc: 'URL at which users and agents reach this control plane (install commands, login links). Unset: http://HOST:PORT.',
  },
  REGISTRY_URL: {
    schema: optionalUrl(['http:', 'https:']),
    doc: "The platform's image registry, as agents reach it (images built from source are pushed there; it must send Docker to this control plane's /registry/token). `syntra dev` starts one on loopback and sets it; unset elsewhere, services cannot be built from source.",
  },
  SYNTRA_BUILT_IMAGES_KEPT: {
    schema: z.coerce.number().int().min(1).max(1000).default(10),
    doc: "How many of a service's latest built images the registry keeps for rollbacks (the running one is always kept); older ones are deleted.",
  },
  SYNTRA_BASE_DOMAIN: {
    schema: z.string().trim().toLowerCase().pipe(Domain).optional(),
    doc: 'Gives every service a default domain `<service>-<project>.<base>` (point a wildcard DNS record `*.<base>` at the server). Unset: no default domains.',
  },
  SYNTRA_OWNER_EMAIL: {
    schema: z.string().trim().toLowerCase().regex(/^[^\s@]+@[^\s@]+$/, 'must be an email address').default('owner@localhost'),
    doc: 'Email of the owner account created at the very first start (ignored afterwards).',
  },
  SYNTRA_ORG_NAME: {
    schema: z.string().trim().min(1).max(255).default('Default'),
    doc: 'Name of the organization created at the very first start (ignored afterwards).',
  },
  SYNTRA_BOOTSTRAP_TOKEN: {
    schema: z
      .string()
      .trim()
      .refine((token) => tokenKind(token) === 'usr', 'must be a user token: syn_usr_ followed by 43 base64url characters')
      .optional(),
    doc: 'At the very first start, becomes the owner\'s API token (for automation and CI); only its hash is stored. Ignored afterwards.',
  },
  SYNTRA_MASTER_KEY: {
    schema: z
      .string()
      .trim()
      .refine((key) => parseMasterKey(key) !== null, 'must be 32 bytes written as 64 hex digits or base64 (openssl rand -base64 32)')
      .optional(),
    doc: 'AES-256-GCM key sealing env vars and registry passwords: 32 bytes as hex or base64. Unset: SYNTRA_DATA_DIR/master.key, generated (mode 600) at the first start. Must stay the same for the life of the database: a different key stops start-up.',
  },
  SYNTRA_RATE_LIMIT_IP_PER_MINUTE: {
    schema: z.coerce.number().int().min(0).default(3000),
    doc: 'REST requests per minute one IP address may make (bursts up to the same number); 0 turns the limit off.',
  },
  SYNTRA_RATE_LIMIT_CALLER_PER_MINUTE: {
    schema: z.coerce.number().int().min(0).default(1200),
    doc: 'REST requests per minute one API token or browser session may make (bursts up to the same number); 0 turns the limit off.',
  },
  SYNTRA_AI_RATE_LIMIT_PER_MINUTE: {
    schema: z.coerce.number().int().min(0).default(30),
    doc: 'AI calls (analyses, Dockerfiles, chats, incident summaries by a model) per minute one organization may make, shared by every API process (bursts up to the same number); 0 turns the limit off.',
  },
  SYNTRA_TRUSTED_PROXIES: {
    schema: z
      .string()
      .trim()
      .transform((list) => list.split(',').map((entry) => entry.trim()).filter(Boolean))
      .refine((entries) => entries.every((entry) => isIP(entry.split('/')[0]!) !== 0), 'must be comma-separated IP addresses or CIDR ranges')
      .optional(),
    doc: 'Load balancers and proxies (IP addresses or CIDR ranges, comma-separated) whose X-Forwarded-For is believed: behind them the client address (per-IP rate limit, audit) is the forwarded one. Unset: the connecting address.',
  },
  SYNTRA_ALERT_EVALUATION_SECONDS: {
    schema: z.coerce.number().int().min(1).max(3600).default(30),
    doc: 'Seconds between two rounds of alert evaluation and notification in each API process (several processes share the work without doubling incidents or notices).',
  },
  LOG_LEVEL: {
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    doc: 'pino log level of every Syntra process.',
  },
} as const;

type Variables = typeof environmentVariables;
export type Config = { [K in keyof Variables]: z.output<Variables[K]['schema']> } & {
  /** SYNTRA_DATA_DIR resolved against the working directory. */
  dataDir: string;
  /** SYNTRA_TOOLS_DIR resolved against the working directory. */
  toolsDir: string;
  /** SYNTRA_PUBLIC_URL, or http://HOST:PORT, without a trailing slash. */
  publicUrl: string;
  /** REGISTRY_URL's host[:port], the registry part of image references; null when unset. */
  registry: string | null;
};

export class ConfigError extends Error {
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(
      `Invalid environment:\n${problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

/** Reads the environment once; throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const values: Record<string, unknown> = {};
  const problems: { variable: string; message: string }[] = [];
  for (const [name, { schema }] of Object.entries(environmentVariables)) {
    const raw = env[name];
    const parsed = (schema as z.ZodType).safeParse(raw === '' ? undefined : raw);
    if (parsed.success) values[name] = parsed.data;
    else problems.push({ variable: name, message: parsed.error.issues.map((i) => i.message).join('; ') });
  }
  // chDB is one process's; a cluster is only reached over HTTP.
  if (values.CLICKHOUSE_CLUSTER !== undefined && values.CLICKHOUSE_URL === undefined) {
    problems.push({ variable: 'CLICKHOUSE_CLUSTER', message: 'needs CLICKHOUSE_URL (a node of the cluster); the embedded chDB is one node' });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const config = values as Omit<Config, 'dataDir' | 'toolsDir' | 'publicUrl' | 'registry'>;
  return {
    ...config,
    dataDir: path.resolve(config.SYNTRA_DATA_DIR),
    toolsDir: path.resolve(config.SYNTRA_TOOLS_DIR),
    publicUrl: (config.SYNTRA_PUBLIC_URL ?? `http://${config.HOST}:${config.PORT}`).replace(/\/+$/, ''),
    registry: config.REGISTRY_URL === undefined ? null : new URL(config.REGISTRY_URL).host,
  };
}
