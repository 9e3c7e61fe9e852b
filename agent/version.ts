/** This agent's release, sent in `agent_hello.version` and the `X-Agent-Version` header (contract 4.3). */
export const AGENT_VERSION = '0.1.0';

/** Protocol range this agent speaks (contract 4.2): 1.1 adds `telemetry_ack`. */
export const AGENT_PROTOCOL_VERSION = '1.1';
export const AGENT_MIN_PROTOCOL_VERSION = '1.0';
