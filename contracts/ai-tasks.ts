/*
 * Where the AI workflows (workflows/ai-analysis.ts: an issue's analysis, an incident's summary)
 * meet everything else. Types only,
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

export interface IncidentSummaryInput {
  incidentId: string;
  orgId: string;
  /** The API's AI queue, as for an analysis: the summary quotes the services' logs. */
  activityTaskQueue: string;
}

export interface IncidentSummaryResult {
  engine: 'builtin' | 'provider';
  model: string | null;
  usage: AiTokenUsage;
  /** Why the built-in summary stands although a model was asked (its answer out of shape, the provider down), or null. */
  fallbackReason: string | null;
}

/** The activities of the AI queue (activities/ai.ts implements them). */
export interface AiActivities {
  /** Gathers the issue's evidence, asks the organization's provider (or the rules) and stores the analysis. */
  analyzeIssue(request: { issueId: string; orgId: string }): Promise<IssueAnalysisResult>;
  /** Asks the organization's provider to sum up a fired incident, storing the built-in summary when it cannot. */
  summarizeIncident(request: { incidentId: string; orgId: string }): Promise<IncidentSummaryResult>;
}
