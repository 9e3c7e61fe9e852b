import { z } from 'zod';
import { HttpUrl, IsoDateTime, trimmedText, Url, Uuid } from '../primitives.js';

/*
 * Contract section 2.3 "AI": the four endpoints' bodies and answers, and the organization's model
 * provider (beyond the contract: docs/contract-corrections.md). Every answer names the engine that
 * made it: `builtin` (rules in code, no model) or `provider` (the organization's model).
 */

export const AiEngine = z.enum(['builtin', 'provider']);
export type AiEngine = z.infer<typeof AiEngine>;

/** The organization's OpenAI-compatible provider as read back: the key is never returned, only whether one is set. */
export const AiSettings = z.object({
  enabled: z.boolean(),
  base_url: HttpUrl.nullable(),
  model: z.string().nullable(),
  api_key_set: z.boolean(),
  updated_at: IsoDateTime.nullable(),
});
export type AiSettings = z.infer<typeof AiSettings>;

/** What changes; absent fields stay. `api_key: null` forgets the key (a local server may need none). */
export const UpdateAiSettings = z.strictObject({
  enabled: z.boolean().optional(),
  base_url: HttpUrl.max(2048).optional(),
  model: trimmedText(255).optional(),
  api_key: z.string().min(1).max(4096).nullable().optional(),
});
export type UpdateAiSettings = z.infer<typeof UpdateAiSettings>;

export const AnalyzeErrorRequest = z.strictObject({
  issue_id: Uuid,
  force_refresh: z.boolean().default(false),
});

export const AiConfidence = z.enum(['low', 'medium', 'high']);

/** What a model must answer for an analysis; checked before it is stored (a bad answer falls back to the built-in engine). */
export const AiAnalysisFindings = z.object({
  summary: z.string().min(1).max(2000),
  whats_wrong: z.string().min(1).max(4000),
  possible_cause: z.string().min(1).max(4000),
  confidence: AiConfidence,
  suggested_fix: z.string().min(1).max(4000),
  relevant_frames: z.array(z.string().max(500)).max(20),
  evidence: z.array(z.string().max(1000)).max(20),
});
export type AiAnalysisFindings = z.infer<typeof AiAnalysisFindings>;

/** The contract's `AIAnalysis`, stored in `error_groups.ai_analysis`. */
export const AiAnalysis = AiAnalysisFindings.extend({
  /** The built-in rule that matched (`oom_killed`, `connection_refused`…); null for a model's answer or no match. */
  category: z.string().nullable(),
  engine: AiEngine,
  model: z.string().nullable(),
  analyzed_at: IsoDateTime,
});
export type AiAnalysis = z.infer<typeof AiAnalysis>;

/** Repository paths (`package.json`, `go.mod`…) a file may have, relative, no `..`. */
const RepoPath = z.string().min(1).max(512).regex(/^(?!\/)(?!.*(?:^|\/)\.\.(?:\/|$))[^\0]+$/, 'must be a relative path inside the repository');

export const GenerateDockerfileRequest = z.strictObject({
  repo_url: Url.max(2048),
  branch: trimmedText(255).optional(),
  framework_hint: trimmedText(64).optional(),
  /** The repository's files the stack is detected from (path → content); without them only `framework_hint` decides. */
  files: z.record(RepoPath, z.string().max(256 * 1024)).refine((files) => Object.keys(files).length <= 200, 'at most 200 files').optional(),
});
export type GenerateDockerfileRequest = z.infer<typeof GenerateDockerfileRequest>;

export const GeneratedDockerfile = z.object({
  dockerfile: z.string(),
  explanation: z.string(),
  /** The detected stack: `node-npm`, `python-poetry`, `go`, `static`… */
  stack: z.string(),
  engine: AiEngine,
});
export type GeneratedDockerfile = z.infer<typeof GeneratedDockerfile>;

export const ChatRequest = z.strictObject({
  message: z.string().trim().min(1).max(4000),
  context: z
    .strictObject({ service_id: Uuid.optional(), project_id: Uuid.optional(), issue_id: Uuid.optional() })
    .default({}),
});
export type ChatRequest = z.infer<typeof ChatRequest>;

/** The SSE stream's events, as the contract names them: `event: <name>` and `data: <JSON>`. */
export const ChatTokenEvent = z.object({ content: z.string() });
export const ChatDoneEvent = z.object({
  message_id: Uuid,
  engine: AiEngine,
  /** The records the answer used: `service:<id>`, `issue:<id>`, `deployment:<id>`. */
  sources: z.array(z.string()),
});
export const ChatErrorEvent = z.object({ error: z.string() });

/** Which conversation to read back: the chat's own context, as the panel sends it. */
export const ChatHistoryQuery = z.strictObject({ service_id: Uuid.optional(), project_id: Uuid.optional(), issue_id: Uuid.optional() });

/** An answered question of the caller's, as stored when its `done` event was sent (beyond the contract). */
export const ChatHistoryEntry = z.object({
  message_id: Uuid,
  question: z.string(),
  answer: z.string(),
  engine: AiEngine,
  sources: z.array(z.string()),
  created_at: IsoDateTime,
});
export type ChatHistoryEntry = z.infer<typeof ChatHistoryEntry>;

export const AiRecommendationKind = z.enum([
  'restart_loop',
  'oom_killed',
  'memory_limit_tight',
  'memory_limit_oversized',
  'error_rate',
  'slow_endpoint',
  'unresolved_issues',
  'health_check_missing',
  'single_replica',
  'failed_deployments',
]);

/** The contract's `AIRecommendation`. */
export const AiRecommendation = z.object({
  kind: AiRecommendationKind,
  severity: z.enum(['info', 'warning', 'critical']),
  title: z.string(),
  detail: z.string(),
  action: z.string(),
  /** The figures it rests on, as read. */
  evidence: z.record(z.string(), z.union([z.number(), z.string(), z.null()])),
  engine: AiEngine,
});
export type AiRecommendation = z.infer<typeof AiRecommendation>;
