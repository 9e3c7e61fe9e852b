import { z } from 'zod';
import { Semver } from '../primitives.js';

/** Protocol versions this control plane speaks, oldest first. */
export const PROTOCOL_VERSIONS = ['1.0', '1.1', '1.2', '1.3'] as const;

/** What an agent that sends no `protocol_version` / `min_supported` speaks (agents built for contract 1.0). */
export const LEGACY_PROTOCOL_VERSION = '1.0';

/** First protocol version with `telemetry_ack` (ARCHITECTURE correction 3). */
export const TELEMETRY_ACK_MIN_PROTOCOL = '1.1';

/** First protocol version whose `TelemetryData` may carry `span_columns` (docs/contract-corrections.md). */
export const SPAN_COLUMNS_MIN_PROTOCOL = '1.2';

/** First protocol version with `report_ack` (docs/contract-corrections.md, "Protocol 1.3"). */
export const REPORT_ACK_MIN_PROTOCOL = '1.3';

/** "MAJOR.MINOR", as in `agent_hello.protocol_version` (contract section 4.2). */
export const ProtocolVersion = z.string().regex(/^(0|[1-9]\d*)\.(0|[1-9]\d*)$/);

export type Verdict = { ok: true } | { ok: false; reason: string };
export type NegotiationResult = { ok: true; version: string } | { ok: false; reason: string };

export interface AgentProtocolOffer {
  agentProtocol?: string | undefined;
  agentMinSupported?: string | undefined;
}

export interface ControlPlaneProtocols {
  supported: readonly string[];
}

type ProtocolNumbers = readonly [major: number, minor: number];

function parseProtocol(version: string): ProtocolNumbers | null {
  if (!ProtocolVersion.safeParse(version).success) return null;
  const [major, minor] = version.split('.').map(Number);
  return [major!, minor!];
}

function compareNumbers(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference !== 0) return Math.sign(difference);
  }
  return 0;
}

/**
 * Picks the highest protocol version inside the agent's range [min_supported, protocol_version]
 * that the control plane also supports. Absent fields mean "1.0", so agents built before
 * versioning existed negotiate 1.0.
 */
export function negotiateProtocol(
  agent: AgentProtocolOffer,
  controlPlane: ControlPlaneProtocols = { supported: PROTOCOL_VERSIONS },
): NegotiationResult {
  const highest = agent.agentProtocol ?? LEGACY_PROTOCOL_VERSION;
  const lowest = agent.agentMinSupported ?? LEGACY_PROTOCOL_VERSION;
  const agentMax = parseProtocol(highest);
  if (!agentMax) return { ok: false, reason: `malformed protocol_version ${JSON.stringify(highest)}: expected MAJOR.MINOR` };
  const agentMin = parseProtocol(lowest);
  if (!agentMin) return { ok: false, reason: `malformed min_supported ${JSON.stringify(lowest)}: expected MAJOR.MINOR` };
  if (compareNumbers(agentMin, agentMax) > 0) {
    return { ok: false, reason: `min_supported ${lowest} is above protocol_version ${highest}` };
  }

  let chosen: { version: string; numbers: ProtocolNumbers } | undefined;
  for (const version of controlPlane.supported) {
    const numbers = parseProtocol(version);
    if (!numbers) throw new TypeError(`control plane lists a malformed protocol version: ${JSON.stringify(version)}`);
    const insideAgentRange = compareNumbers(numbers, agentMin) >= 0 && compareNumbers(numbers, agentMax) <= 0;
    if (insideAgentRange && (!chosen || compareNumbers(numbers, chosen.numbers) > 0)) chosen = { version, numbers };
  }
  if (!chosen) {
    return {
      ok: false,
      reason: `no common protocol version: agent supports ${lowest} to ${highest}, control plane supports ${controlPlane.supported.join(', ')}`,
    };
  }
  return { ok: true, version: chosen.version };
}

/** Whether a negotiated protocol version includes a feature introduced in `required`. */
export function protocolAtLeast(negotiated: string, required: string): boolean {
  const have = parseProtocol(negotiated);
  const need = parseProtocol(required);
  if (!have || !need) throw new TypeError(`malformed protocol version: ${JSON.stringify(have ? required : negotiated)}`);
  return compareNumbers(have, need) >= 0;
}

type SemverCore = readonly [major: number, minor: number, patch: number];

/** Major, minor and patch; pre-release and build suffixes do not move a version across table rows. */
function parseSemverCore(version: string): SemverCore | null {
  if (!Semver.safeParse(version).success) return null;
  const [major, minor, patch] = version.split(/[-+]/, 1)[0]!.split('.').map(Number);
  return [major!, minor!, patch!];
}

const OLDEST_COMPATIBLE_CONTROL_PLANE: SemverCore = [0, 1, 0];

/**
 * The contract's 4.3 table, generalised: agent 0.N.x works with control plane 0.1.0 up to and
 * including 0.(N+1).x. The table says nothing about 1.x agents, so they are refused until a row
 * for them is written.
 */
export function checkAgentCompatibility(agentVersion: string, controlPlaneVersion: string): Verdict {
  const agent = parseSemverCore(agentVersion);
  if (!agent) return { ok: false, reason: `malformed agent version ${JSON.stringify(agentVersion)}: expected semver` };
  const controlPlane = parseSemverCore(controlPlaneVersion);
  if (!controlPlane) {
    return { ok: false, reason: `malformed control plane version ${JSON.stringify(controlPlaneVersion)}: expected semver` };
  }
  const [agentMajor, agentMinor] = agent;
  if (agentMajor !== 0) {
    return { ok: false, reason: `no compatibility rule for agent ${agentVersion}: only 0.x agents are covered` };
  }
  if (compareNumbers(controlPlane, OLDEST_COMPATIBLE_CONTROL_PLANE) < 0) {
    return { ok: false, reason: `control plane ${controlPlaneVersion} is older than 0.1.0, the oldest any agent supports` };
  }
  const newestMinor = agentMinor + 1;
  if (controlPlane[0] !== 0 || controlPlane[1] > newestMinor) {
    return {
      ok: false,
      reason: `agent ${agentVersion} supports control plane 0.1.0 to 0.${newestMinor}.x, not ${controlPlaneVersion}: update the agent`,
    };
  }
  return { ok: true };
}

/**
 * The oldest agent release `update_agent` may install: older ones predate the protocol range
 * this code base speaks. Agents refuse an update below it, whatever the control plane asks.
 */
export const MINIMUM_AGENT_VERSION = '0.1.0';

/**
 * Semver precedence (semver.org §11): negative when `a` comes before `b`. A pre-release comes
 * before its release (0.1.0-rc.1 < 0.1.0); build metadata is ignored. Throws on a malformed version.
 */
export function compareSemver(a: string, b: string): number {
  const [coreA, coreB] = [parseSemverCore(a), parseSemverCore(b)];
  if (!coreA || !coreB) throw new TypeError(`malformed semver: ${JSON.stringify(coreA ? b : a)}`);
  const byCore = compareNumbers(coreA, coreB);
  if (byCore !== 0) return byCore;
  const [preA, preB] = [preRelease(a), preRelease(b)];
  if (preA.length === 0 || preB.length === 0) return preB.length - preA.length;
  for (let i = 0; i < Math.min(preA.length, preB.length); i++) {
    const [x, y] = [preA[i]!, preB[i]!];
    if (x === y) continue;
    const [numericX, numericY] = [/^\d+$/.test(x), /^\d+$/.test(y)];
    if (numericX && numericY) return Number(x) - Number(y);
    if (numericX !== numericY) return numericX ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return preA.length - preB.length;
}

function preRelease(version: string): string[] {
  const withoutBuild = version.split('+', 1)[0]!;
  const dash = withoutBuild.indexOf('-');
  return dash === -1 ? [] : withoutBuild.slice(dash + 1).split('.');
}
