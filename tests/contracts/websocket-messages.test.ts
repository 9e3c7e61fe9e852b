import { describe, expect, it } from 'vitest';
import {
  AGENT_MESSAGE_TYPES,
  AgentMessage,
  AgentConfig,
  CONTROL_PLANE_MESSAGE_TYPES,
  ControlPlaneMessage,
  DEFAULT_AGENT_CONFIG,
  ExecResponseData,
  MESSAGE_TYPES,
  type MessageType,
  parseAgentMessage,
  parseControlPlaneMessage,
  WebSocketEnvelope,
} from '../../contracts/index.js';
import { validMessages } from './examples.js';
import { ajvReports, checkedInSchema } from './json-schema-validator.js';
import { type Path, REMOVE, withField } from './with-field.js';

const schemaFileOf = (type: MessageType) => `websocket/${type.replaceAll('_', '-')}.schema.json`;

/** Both directions' parsers that must accept a message of this type. */
function parsersOf(type: MessageType) {
  return [
    ...((AGENT_MESSAGE_TYPES as readonly string[]).includes(type) ? [parseAgentMessage] : []),
    ...((CONTROL_PLANE_MESSAGE_TYPES as readonly string[]).includes(type) ? [parseControlPlaneMessage] : []),
  ];
}

describe('a valid example of every WebSocket message', () => {
  it.each(MESSAGE_TYPES)('%s passes its direction union and its checked-in JSON Schema', (type) => {
    const message = validMessages[type];
    for (const parse of parsersOf(type)) {
      const result = parse(message);
      expect(result.error?.issues).toBeUndefined();
      expect(result.data).toEqual(message);
    }
    const validate = checkedInSchema(schemaFileOf(type));
    expect(validate(message), JSON.stringify(validate.errors)).toBe(true);
  });
});

interface Fault {
  type: MessageType;
  fault: string;
  path: Path;
  value: unknown;
}

const faults: Fault[] = [
  { type: 'agent_hello', fault: 'cpu_cores is text', path: ['payload', 'resources', 'cpu_cores'], value: 'four' },
  { type: 'agent_hello', fault: 'server_id is not srv_<32 hex>', path: ['payload', 'server_id'], value: 'srv_V1StGXR8_Z5jdHi6B' },
  { type: 'agent_hello', fault: 'protocol_version lacks a minor', path: ['payload', 'protocol_version'], value: '1' },
  { type: 'agent_hello', fault: 'arch is missing', path: ['payload', 'arch'], value: REMOVE },
  { type: 'agent_hello', fault: 'the envelope id is not a UUID', path: ['id'], value: 'msg-1' },
  { type: 'heartbeat', fault: 'CPU usage above 100%', path: ['payload', 'resources', 'cpu_usage_percent'], value: 140 },
  { type: 'heartbeat', fault: 'a service status outside the enum', path: ['payload', 'services', 0, 'status'], value: 'paused' },
  { type: 'heartbeat', fault: 'the timestamp has no offset', path: ['timestamp'], value: '2025-11-20T10:15:30' },
  { type: 'command_response', fault: 'a failure without an error', path: ['payload', 'success'], value: false },
  { type: 'command_response', fault: 'an empty request_id', path: ['payload', 'request_id'], value: '' },
  { type: 'deploy_status', fault: 'progress above 100', path: ['payload', 'progress_percent'], value: 101 },
  { type: 'deploy_status', fault: 'an unknown phase', path: ['payload', 'phase'], value: 'warm_up' },
  { type: 'telemetry_batch', fault: 'a plain batch with string data', path: ['payload', 'data'], value: 'KLUv/QBYAQA=' },
  {
    type: 'telemetry_batch',
    fault: 'a trace id of 31 hex digits',
    path: ['payload', 'data', 'traces', 0, 'trace_id'],
    value: '4bf92f3577b34da6a3ce929d0e0e473',
  },
  { type: 'alert', fault: 'an unknown severity', path: ['payload', 'severity'], value: 'fatal' },
  { type: 'log_stream', fault: 'a line from stdin', path: ['payload', 'lines', 1, 'stream'], value: 'stdin' },
  { type: 'hello_ack', fault: 'a heartbeat interval of 0', path: ['payload', 'config', 'heartbeat_interval_seconds'], value: 0 },
  {
    type: 'hello_ack',
    fault: 'a pending deployment with a tag containing a space',
    path: ['payload', 'pending_deployments', 0, 'image', 'tag'],
    value: 'v1 beta',
  },
  { type: 'deploy', fault: 'a port above 65535', path: ['payload', 'config', 'port'], value: 70_000 },
  { type: 'deploy', fault: 'a domain that is not a hostname', path: ['payload', 'networking', 'domains', 0], value: 'shop example' },
  { type: 'deploy', fault: 'an unknown strategy', path: ['payload', 'strategy'], value: 'canary' },
  { type: 'deploy', fault: 'a relative volume path', path: ['payload', 'config', 'volumes', 0, 'container_path'], value: 'uploads' },
  { type: 'stop', fault: 'a negative timeout', path: ['payload', 'timeout_seconds'], value: -1 },
  { type: 'scale', fault: 'fractional replicas', path: ['payload', 'replicas'], value: 1.5 },
  { type: 'restart', fault: 'a service name for service_id', path: ['payload', 'service_id'], value: 'api' },
  { type: 'exec', fault: 'an empty command', path: ['payload', 'command'], value: [] },
  { type: 'logs_subscribe', fault: 'since is not a timestamp', path: ['payload', 'since'], value: 'yesterday' },
  { type: 'logs_unsubscribe', fault: 'subscription_id is missing', path: ['payload', 'subscription_id'], value: REMOVE },
  { type: 'update_agent', fault: 'a download that is not over HTTP(S)', path: ['payload', 'download_url'], value: 'ftp://get.syntra.dev/agent' },
  { type: 'update_agent', fault: 'a truncated sha256', path: ['payload', 'sha256'], value: '2c26b46b68ffc68f' },
  { type: 'configure_health_check', fault: 'an exec check without a command', path: ['payload', 'health_check', 'command'], value: REMOVE },
  { type: 'build', fault: 'a Dockerfile path out of the checkout', path: ['payload', 'dockerfile', 'path'], value: '../etc/Dockerfile' },
  { type: 'cancel_build', fault: 'a deployment that is not a UUID', path: ['payload', 'deployment_id'], value: 'latest' },
  { type: 'build_progress', fault: 'an unknown phase', path: ['payload', 'phase'], value: 'testing' },
  { type: 'ping', fault: 'an empty nonce', path: ['payload', 'nonce'], value: '' },
  { type: 'pong', fault: 'sent_at without the T separator', path: ['payload', 'sent_at'], value: '2025-11-20 10:15:30Z' },
  { type: 'telemetry_ack', fault: 'a rejection without an error', path: ['payload', 'accepted'], value: false },
  { type: 'report_ack', fault: 'a message id that is not a UUID', path: ['payload', 'message_id'], value: 'report-1' },
];

/** Where the fault is reported: a union that switches branch reports the field the branch requires. */
const reportedAt: Partial<Record<string, Path>> = {
  'a failure without an error': ['payload', 'error'],
  'a rejection without an error': ['payload', 'error'],
};

describe('an invalid WebSocket message is rejected at the path of its fault', () => {
  it('covers every message type', () => {
    expect(new Set(faults.map(({ type }) => type))).toEqual(new Set(MESSAGE_TYPES));
  });

  it.each(faults)('$type: $fault', ({ type, fault, path, value }) => {
    const message = withField(validMessages[type], path, value);
    const expectedPath = reportedAt[fault] ?? path;
    for (const parse of parsersOf(type)) {
      const result = parse(message);
      expect(result.success).toBe(false);
      expect(result.error?.issues.map((issue) => issue.path)).toEqual([expectedPath]);
    }
    const validate = checkedInSchema(schemaFileOf(type));
    expect(validate(message)).toBe(false);
    expect(ajvReports(validate.errors, expectedPath), JSON.stringify(validate.errors)).toBe(true);
  });
});

describe('message routing', () => {
  it('each union holds exactly the message types of its direction', () => {
    expect(AgentMessage.options.map((option) => option.shape.type.value)).toEqual([...AGENT_MESSAGE_TYPES]);
    expect(ControlPlaneMessage.options.map((option) => option.shape.type.value)).toEqual([...CONTROL_PLANE_MESSAGE_TYPES]);
  });

  it('a control plane command sent by an agent is rejected at type', () => {
    const result = parseAgentMessage(validMessages.deploy);
    expect(result.error?.issues.map((issue) => issue.path)).toEqual([['type']]);
  });

  it('an unknown type is rejected by the envelope and both unions', () => {
    const message = { ...validMessages.ping, type: 'shutdown' };
    expect(WebSocketEnvelope.safeParse(message).error?.issues.map((issue) => issue.path)).toEqual([['type']]);
    expect(parseAgentMessage(message).error?.issues.map((issue) => issue.path)).toEqual([['type']]);
    expect(parseControlPlaneMessage(message).error?.issues.map((issue) => issue.path)).toEqual([['type']]);
  });

  it('the envelope alone accepts any known type with an unchecked payload', () => {
    const result = WebSocketEnvelope.safeParse({ ...validMessages.deploy, payload: { anything: true } });
    expect(result.success).toBe(true);
  });

  it('something that is not an object is rejected, not thrown', () => {
    for (const raw of [null, 'agent_hello', 42, []]) expect(parseAgentMessage(raw).success).toBe(false);
  });
});

describe('compatibility rules in the schemas', () => {
  it('an agent built for protocol 1.0 may leave out protocol_version and min_supported', () => {
    const hello = withField(withField(validMessages.agent_hello, ['payload', 'protocol_version'], REMOVE), ['payload', 'min_supported'], REMOVE);
    expect(parseAgentMessage(hello).success).toBe(true);
    expect(checkedInSchema(schemaFileOf('agent_hello'))(hello)).toBe(true);
  });

  it('fields a newer peer adds are accepted by both schemas and dropped by zod', () => {
    const hello = withField(validMessages.agent_hello, ['payload', 'gpu_count'], 2);
    const result = parseAgentMessage(hello);
    expect(result.success).toBe(true);
    expect(result.data?.payload).not.toHaveProperty('gpu_count');
    expect(checkedInSchema(schemaFileOf('agent_hello'))(hello)).toBe(true);
  });

  it('a zstd batch carries base64 and never an object', () => {
    const compressed = withField(withField(validMessages.telemetry_batch, ['payload', 'compression'], 'zstd'), ['payload', 'data'], 'KLUv/QBYAQA=');
    expect(parseAgentMessage(compressed).success).toBe(true);
    expect(checkedInSchema(schemaFileOf('telemetry_batch'))(compressed)).toBe(true);

    const objectInZstd = withField(validMessages.telemetry_batch, ['payload', 'compression'], 'zstd');
    expect(parseAgentMessage(objectInZstd).error?.issues.map((issue) => issue.path)).toEqual([['payload', 'data']]);
    const notBase64 = withField(compressed, ['payload', 'data'], 'not base64!');
    expect(parseAgentMessage(notBase64).error?.issues.map((issue) => issue.path)).toEqual([['payload', 'data']]);
  });

  it('a rejected telemetry batch names the reason', () => {
    const rejected = withField(validMessages.telemetry_ack, ['payload'], {
      batch_id: 'b5a4c3d2-e1f0-4a9b-8c7d-6e5f4a3b2c1d',
      accepted: false,
      error: { code: 'VALIDATION_ERROR', message: 'errors[3].timestamp: expected an ISO timestamp' },
    });
    expect(parseControlPlaneMessage(rejected).success).toBe(true);
    expect(checkedInSchema(schemaFileOf('telemetry_ack'))(rejected)).toBe(true);
  });

  it('deploys of public images carry no registry credentials', () => {
    const publicImage = withField(validMessages.deploy, ['payload', 'registry_auth'], null);
    expect(parseControlPlaneMessage(publicImage).success).toBe(true);
    expect(checkedInSchema(schemaFileOf('deploy'))(publicImage)).toBe(true);
  });

  it('the default agent config of hello_ack is valid', () => {
    expect(AgentConfig.safeParse(DEFAULT_AGENT_CONFIG).success).toBe(true);
  });

  it('an exec answer carries ExecResponseData in command_response.data', () => {
    const { payload } = validMessages.command_response;
    expect(ExecResponseData.safeParse(payload.data).success).toBe(true);
    expect(ExecResponseData.safeParse({ exit_code: 1.5, stdout: '', stderr: '' }).error?.issues.map((issue) => issue.path)).toEqual([
      ['exit_code'],
    ]);
  });

  it('configure_health_check with null turns the check off', () => {
    const off = withField(validMessages.configure_health_check, ['payload', 'health_check'], null);
    expect(parseControlPlaneMessage(off).success).toBe(true);
    expect(checkedInSchema(schemaFileOf('configure_health_check'))(off)).toBe(true);
  });
});
