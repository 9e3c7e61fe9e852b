import { CONTROL_PLANE_VERSION } from '../contracts/version.js';

// Defined by the release build (agent/release/bundle.ts); absent when the agent runs from source.
declare const SYNTRA_AGENT_RELEASE: string | undefined;

/**
 * This agent's release, sent in `agent_hello.version` and the `X-Agent-Version` header (contract
 * 4.3). From source it ships with the control plane, so it is the control plane's release.
 */
export const AGENT_VERSION: string = typeof SYNTRA_AGENT_RELEASE === 'string' ? SYNTRA_AGENT_RELEASE : CONTROL_PLANE_VERSION;

/** Protocol range this agent speaks (contract 4.2): 1.1 adds `telemetry_ack`, 1.2 `span_columns`, 1.3 `report_ack`. */
export const AGENT_PROTOCOL_VERSION = '1.3';
export const AGENT_MIN_PROTOCOL_VERSION = '1.0';
