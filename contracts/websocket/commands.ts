import { z } from 'zod';
import {
  AbsolutePath,
  EnvVarName,
  ErrorCode,
  NonNegativeInt,
  PositiveInt,
  RequestId,
  Semver,
  Uuid,
} from '../primitives.js';

export const StopPayload = z.object({
  request_id: RequestId,
  service_id: Uuid,
  timeout_seconds: NonNegativeInt.describe('Graceful shutdown timeout'),
  remove_container: z.boolean(),
});
export type StopPayload = z.infer<typeof StopPayload>;

export const ScalePayload = z.object({
  request_id: RequestId,
  service_id: Uuid,
  replicas: NonNegativeInt,
  strategy: z.enum(['immediate', 'rolling']),
});
export type ScalePayload = z.infer<typeof ScalePayload>;

export const RestartPayload = z.object({
  request_id: RequestId,
  service_id: Uuid,
  timeout_seconds: NonNegativeInt,
});
export type RestartPayload = z.infer<typeof RestartPayload>;

export const ExecPayload = z.object({
  request_id: RequestId,
  service_id: Uuid,
  command: z.array(z.string()).min(1),
  working_dir: AbsolutePath.optional(),
  env: z.record(EnvVarName, z.string()).optional(),
  timeout_seconds: PositiveInt,
  interactive: z.boolean().describe('For terminal sessions'),
});
export type ExecPayload = z.infer<typeof ExecPayload>;

/** `command_response.data` answering an `exec`. */
export const ExecResponseData = z.object({
  exit_code: z.int(),
  stdout: z.string(),
  stderr: z.string(),
});
export type ExecResponseData = z.infer<typeof ExecResponseData>;

/** The contract is silent on `update_agent`: the agent downloads, verifies and swaps its binary. */
export const UpdateAgentPayload = z.object({
  request_id: RequestId,
  version: Semver,
  // Integrity rests on `sha256`, which arrives over the authenticated session, so a control plane
  // served over plain HTTP can update its agents too. `protocol` does not reach JSON Schema; the pattern does.
  download_url: z.url({ protocol: /^https?$/ }).meta({ pattern: '^https?://' }),
  sha256: z.string().regex(/^[0-9a-f]{64}$/).describe('Checksum of the download; the agent refuses a mismatch'),
});
export type UpdateAgentPayload = z.infer<typeof UpdateAgentPayload>;

export const CommandError = z.object({
  code: ErrorCode.describe('e.g. "CONTAINER_NOT_FOUND", "PULL_FAILED"'),
  message: z.string(),
  details: z.unknown().optional(),
});
export type CommandError = z.infer<typeof CommandError>;

const commandResponseFields = {
  request_id: RequestId.describe('The request_id of the command answered'),
  data: z.unknown().optional().describe('Depends on the command, e.g. ExecResponseData for exec'),
};

/* A union on `success` where the contract has `error?`: a failure without an error code is unactionable. */
export const CommandResponsePayload = z.discriminatedUnion('success', [
  z.object({ ...commandResponseFields, success: z.literal(true) }),
  z.object({ ...commandResponseFields, success: z.literal(false), error: CommandError }),
]);
export type CommandResponsePayload = z.infer<typeof CommandResponsePayload>;
