/*
 * Agent commands sent by a workflow carry `request_id` = `<workflow id>:<step>`. Temporal does
 * not deduplicate signals and activities may run twice, so the id must be the same on every
 * retry (the outbox then stores the command once), and the gateway must find the waiting
 * workflow from the answer alone. Workflow ids never contain ':'.
 */

const separator = ':';

export function commandRequestId(workflowId: string, step: string): string {
  return `${workflowId}${separator}${step}`;
}

/** The workflow waiting for this command's answer; undefined for commands no workflow sent. */
export function workflowIdOfRequest(requestId: string): string | undefined {
  const at = requestId.indexOf(separator);
  return at > 0 ? requestId.slice(0, at) : undefined;
}
