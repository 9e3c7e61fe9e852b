/** Workflow ids from the resource, so Temporal Web and the API agree on which run is which. */
export const workflowIds = {
  serviceQueue: (serviceId: string) => `service-${serviceId}`,
  deploy: (deploymentId: string) => `deploy-${deploymentId}`,
  rollback: (deploymentId: string) => `rollback-${deploymentId}`,
  scale: (serviceId: string, operationId: string) => `scale-${serviceId}-${operationId}`,
  restart: (serviceId: string, operationId: string) => `restart-${serviceId}-${operationId}`,
  stop: (serviceId: string, operationId: string) => `stop-${serviceId}-${operationId}`,
  healthCheck: (serviceId: string, operationId: string) => `health-check-${serviceId}-${operationId}`,
};

/** A DAG run's workflow, and the Temporal Schedule of a definition with a cron expression. */
export const dagIds = {
  run: (runId: string) => `dag-run-${runId}`,
  schedule: (workflowId: string) => `dag-schedule-${workflowId}`,
};

/** One analysis of an issue at a time: a second request while it runs waits for the same run. */
export const aiIds = {
  issueAnalysis: (issueId: string) => `ai-analysis-${issueId}`,
  incidentSummary: (incidentId: string) => `ai-incident-summary-${incidentId}`,
};
