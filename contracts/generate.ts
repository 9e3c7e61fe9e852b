import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { z } from 'zod';
import { buildOpenApiDocument } from './api/openapi.js';
import { toJsonSchema } from './json-schema.js';
import {
  ErrorEvent,
  HealthCheckResult,
  LogEntry,
  MetricPoint,
  TelemetryData,
  TraceSpan,
} from './telemetry/records.js';
import { AgentMessage } from './websocket/agent-messages.js';
import { ControlPlaneMessage } from './websocket/control-plane-messages.js';

/*
 * Build outputs checked in beside their sources (contract section 5.1) for consumers that do not
 * run TypeScript. A test compares them with a fresh generation, so they cannot go stale.
 */

const contractsDir = path.dirname(fileURLToPath(import.meta.url));
const GENERATED_NOTICE = 'Generated from the zod schemas in contracts/ by `npm run contracts:generate`; do not edit.';

/** Folders whose `*.schema.json` files are all generated: anything else found there is stale. */
export const GENERATED_SCHEMA_DIRS = ['websocket', 'telemetry'] as const;

const telemetryRecords: Record<string, z.ZodType> = {
  'error-event': ErrorEvent,
  'trace-span': TraceSpan,
  'log-entry': LogEntry,
  'metric-point': MetricPoint,
  'health-check-result': HealthCheckResult,
  'telemetry-data': TelemetryData,
};

function schemaFile(title: string, schema: z.ZodType): string {
  const { $schema, ...rest } = toJsonSchema(schema);
  return `${JSON.stringify({ $schema, $comment: GENERATED_NOTICE, title, ...rest }, null, 2)}\n`;
}

/** Every WebSocket message once: ping and pong belong to both directions. */
function websocketMessages(): Map<string, z.ZodType> {
  const messages = new Map<string, z.ZodType>();
  for (const message of [...AgentMessage.options, ...ControlPlaneMessage.options]) {
    messages.set(message.shape.type.value, message);
  }
  return messages;
}

/** Contents of every generated file, keyed by path relative to `contracts/`, in path order. */
export function generateContractFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const [type, message] of websocketMessages()) {
    files.set(`websocket/${type.replaceAll('_', '-')}.schema.json`, schemaFile(type, message));
  }
  for (const [name, record] of Object.entries(telemetryRecords)) {
    files.set(`telemetry/${name}.schema.json`, schemaFile(name, record));
  }
  const openapi = stringify(buildOpenApiDocument(), { aliasDuplicateObjects: false, lineWidth: 0 });
  files.set('api/openapi.yaml', `# ${GENERATED_NOTICE}\n${openapi}`);
  return new Map([...files].sort(([a], [b]) => a.localeCompare(b)));
}

async function writeContractFiles(): Promise<void> {
  const files = generateContractFiles();
  for (const dir of GENERATED_SCHEMA_DIRS) {
    for (const name of await readdir(path.join(contractsDir, dir))) {
      if (name.endsWith('.schema.json') && !files.has(`${dir}/${name}`)) {
        await rm(path.join(contractsDir, dir, name));
        console.log(`removed contracts/${dir}/${name}`);
      }
    }
  }
  for (const [relativePath, content] of files) {
    const target = path.join(contractsDir, relativePath);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, content);
  }
  console.log(`wrote ${files.size} files under contracts/`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await writeContractFiles();
}
