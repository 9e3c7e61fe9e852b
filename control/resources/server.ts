import { z } from 'zod';
import { CpuArch, HeartbeatPayload, ServerProblem, type Server } from '../../contracts/index.js';
import type { ServerRow } from '../../db/postgres/database.js';
import { isoTimestamp, isoTimestampOrNull } from './timestamps.js';

/* Written by the gateway from the agent's alerts (db/queries/server-presence.ts). */
const StoredProblems = z.record(z.string(), ServerProblem);

/** A `servers` row as the contract's `Server`: the UUID is the id; the agent token hash never leaves. */
export function serverResource(row: ServerRow): Server {
  const arch = CpuArch.safeParse(row.arch);
  // Stored as the gateway validated it; a row from before a schema change just shows no usage.
  const heartbeat = HeartbeatPayload.safeParse(row.last_heartbeat);
  return {
    id: row.id,
    org_id: row.org_id,
    name: row.name,
    hostname: row.hostname,
    public_ip: row.public_ip,
    private_ip: row.private_ip,
    runtime: row.runtime ?? 'docker',
    runtime_version: row.runtime_version,
    status: row.status ?? 'offline',
    agent_version: row.agent_version,
    os_name: row.os_name,
    os_version: row.os_version,
    // Written from the agent's hello, which the contract already restricts to these values.
    arch: arch.success ? arch.data : null,
    cpu_cores: row.cpu_cores,
    memory_mb: row.memory_mb,
    disk_gb: row.disk_gb,
    last_heartbeat_at: isoTimestampOrNull(row.last_heartbeat_at),
    usage: heartbeat.success ? heartbeat.data.resources : null,
    containers: heartbeat.success ? heartbeat.data.containers : null,
    problems: Object.values(StoredProblems.safeParse(row.agent_problems).data ?? {}),
    tags: row.tags ?? [],
    created_at: isoTimestamp(row.created_at, 'servers.created_at'),
    updated_at: isoTimestamp(row.updated_at, 'servers.updated_at'),
  };
}
