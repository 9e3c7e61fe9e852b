import { z } from 'zod';

/*
 * The contract names protocol ids `srv_<nanoid>` / `agt_<nanoid>` while Postgres keys are UUIDs
 * (ARCHITECTURE correction 4). The mapping is reversible so no lookup table is needed: the prefix
 * plus the server UUID's 32 hex digits without dashes. One agent runs per server, so the agent id
 * is derived from the same server UUID.
 */

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const SERVER_ID_PATTERN = /^srv_[0-9a-f]{32}$/;
export const AGENT_ID_PATTERN = /^agt_[0-9a-f]{32}$/;

export const ServerProtocolId = z.string().regex(SERVER_ID_PATTERN);
export const AgentProtocolId = z.string().regex(AGENT_ID_PATTERN);

function uuidToHex(uuid: string): string {
  if (!UUID_PATTERN.test(uuid)) throw new TypeError(`not a UUID: ${JSON.stringify(uuid)}`);
  return uuid.replaceAll('-', '').toLowerCase();
}

function hexToUuid(hex: string): string {
  return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join('-');
}

function protocolIdToUuid(id: string, pattern: RegExp, kind: string): string {
  if (!pattern.test(id)) throw new TypeError(`not a ${kind} protocol id: ${JSON.stringify(id)}`);
  return hexToUuid(id.slice(4));
}

/** `srv_<32 hex>` for the server row `uuid`; throws a TypeError on a malformed UUID. */
export function toServerProtocolId(serverUuid: string): string {
  return `srv_${uuidToHex(serverUuid)}`;
}

/** The lower-case server UUID behind `srv_<32 hex>`; throws a TypeError on a malformed id. */
export function fromServerProtocolId(serverId: string): string {
  return protocolIdToUuid(serverId, SERVER_ID_PATTERN, 'server');
}

/** `agt_<32 hex>` of the agent running on the server row `serverUuid`. */
export function toAgentProtocolId(serverUuid: string): string {
  return `agt_${uuidToHex(serverUuid)}`;
}

/** The server UUID whose agent is `agt_<32 hex>`; throws a TypeError on a malformed id. */
export function fromAgentProtocolId(agentId: string): string {
  return protocolIdToUuid(agentId, AGENT_ID_PATTERN, 'agent');
}
