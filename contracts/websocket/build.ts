import { z } from 'zod';
import { EnvVarName, IsoDateTime, NonNegativeInt, PositiveInt, RequestId, Uuid } from '../primitives.js';
import { stacks } from '../build/detector.js';
import { InlineDockerfile } from '../build/inline-dockerfile.js';
import { ImageReference, RegistryAuth } from './deploy.js';

/*
 * Builds from source (issue 19; the contract has no build messages, see contract-corrections.md).
 * The control plane decides what to build (repository, commit, Dockerfile) and where to push it;
 * the agent of the service's server, or of a build server of its organization, checks the commit out, builds it with BuildKit and pushes it
 * to the platform's registry. Secrets (the git credential, build secrets, the push credential)
 * travel sealed in the outbox like a deploy's.
 */

export const CommitSha = z.string().regex(/^[0-9a-f]{40}$/);

/** How the agent reads a project's repository: an https token, or an ssh deploy key. */
export const GitCredentials = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('token'), username: z.string().min(1).max(255).optional().describe('Default "x-access-token"'), token: z.string().min(1).max(4096) }),
  z.object({ kind: z.literal('ssh'), private_key: z.string().min(1).max(16384).regex(/-----BEGIN [A-Z ]*PRIVATE KEY-----/) }),
]);
export type GitCredentials = z.infer<typeof GitCredentials>;

/* Relative, never climbing out of the checkout: the same rule as the service's source paths. */
const CheckoutPath = z.string().regex(/^(?!\/)(?!(?:.*\/)?\.\.(?:\/|$)).+$/);

export const BuildPayload = z.object({
  request_id: RequestId,
  deployment_id: Uuid,
  service_id: Uuid,
  git: z.object({
    url: z.string().min(1).describe('https://, http:// or ssh (git@host:path, ssh://)'),
    branch: z.string().min(1).max(255),
    commit_sha: CommitSha.optional().describe('Build exactly this commit of the branch; absent: the branch head'),
  }),
  git_auth: GitCredentials.nullable(),
  dockerfile: z.object({
    path: CheckoutPath.describe('Relative to the checkout; not read when `content` or `detect` is given'),
    context: CheckoutPath,
    target: z.string().min(1).max(128).optional(),
    detect: z
      .boolean()
      .optional()
      .describe("nixpacks source: build the detector's Dockerfile for the context (contracts/build/detector.ts) instead of `path`"),
    content: InlineDockerfile.optional().describe("The service's inline Dockerfile, built instead of `path`; written outside the checkout"),
  }),
  build_args: z.record(EnvVarName, z.string()),
  build_secrets: z.record(EnvVarName, z.string()).describe('Mounted with RUN --mount=type=secret,id=NAME; never in a layer'),
  image: ImageReference.describe('Where the built image is pushed'),
  registry_auth: RegistryAuth.describe('A short-lived push credential for that repository only'),
  timeout_seconds: PositiveInt,
  server_name: z.string().min(1).optional().describe('The server building it (the service\'s own or a build server), named in the build log'),
});
export type BuildPayload = z.infer<typeof BuildPayload>;

export const CancelBuildPayload = z.object({
  request_id: RequestId,
  deployment_id: Uuid.describe('The deployment whose build to stop'),
});
export type CancelBuildPayload = z.infer<typeof CancelBuildPayload>;

export const BuildPhase = z.enum(['fetching', 'building', 'pushing']);
export type BuildPhase = z.infer<typeof BuildPhase>;

export const BuildLogLine = z.object({
  at: IsoDateTime,
  text: z.string().max(8192),
});
export type BuildLogLine = z.infer<typeof BuildLogLine>;

/** Agent → control plane while a build runs: its phase, the commit once known, new log lines. */
export const BuildProgressPayload = z.object({
  deployment_id: Uuid,
  service_id: Uuid,
  phase: BuildPhase,
  /** Lines numbered from 0 per build, so a resent message stores nothing twice. */
  first_line: NonNegativeInt,
  lines: z.array(BuildLogLine).max(1000),
  commit: z.object({ sha: CommitSha, message: z.string() }).optional(),
});
export type BuildProgressPayload = z.infer<typeof BuildProgressPayload>;

/** `command_response.data` of a successful `build`. */
export const BuildResultData = z.object({
  image_digest: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  commit_sha: CommitSha,
  commit_message: z.string(),
  duration_ms: NonNegativeInt,
  steps: NonNegativeInt.describe('Build steps BuildKit ran or found cached'),
  cached_steps: NonNegativeInt,
  log_tail: z.string().describe('The last lines of the log'),
  detected_stack: z.enum(stacks).optional().describe('nixpacks source: the stack the detector recognised'),
  dockerfile: z
    .enum(['repository', 'detected', 'inline'])
    .optional()
    .describe("Which Dockerfile was built: the checkout's file, the detector's, or the service's inline one; agents older than inline Dockerfiles leave it out"),
});
export type BuildResultData = z.infer<typeof BuildResultData>;
