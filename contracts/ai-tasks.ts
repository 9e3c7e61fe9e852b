/*
 * Where the issue-analysis workflow (workflows/ai-analysis.ts) meets everything else. Types only,
 * like operations.ts: they travel inside Temporal histories. Only ids and figures go in and out,
 * never the analysis itself, whose evidence quotes an application's logs: the history stays free
 * of what a service wrote, and the caller reads the stored analysis from PostgreSQL.
 */

/** Prompt and completion tokens as the provider counted them; the built-in engine spends none. */
export interface AiTokenUsage {
  promptTokens: number;
  completionTokens: number;
}

export interface IssueAnalysisInput {
  issueId: string;
  orgId: string;
  /**
   * The activity-only queue the analysis runs on: it reads ClickHouse, which only the API process
   * opens, so the API's processes poll it (temporal-dev.yaml `api_task_queues.ai`).
   */
  activityTaskQueue: string;
}

export interface IssueAnalysisResult {
  engine: 'builtin' | 'provider';
  model: string | null;
  analyzedAt: string;
  usage: AiTokenUsage;
}

/** The activities of the AI queue (activities/ai.ts implements them). */
export interface AiActivities {
  /** Gathers the issue's evidence, asks the organization's provider (or the rules) and stores the analysis. */
  analyzeIssue(request: { issueId: string; orgId: string }): Promise<IssueAnalysisResult>;
}
