/*
 * The built-in engine's summary of an incident as it opens: what fired, and for each affected
 * service what changed last and which errors it is throwing, named by id, so the operator starts
 * from the likely suspects. It says it is the built-in engine.
 */

export interface IncidentFacts {
  message: string;
  firedAt: Date;
  services: {
    id: string;
    name: string;
    deployment: { id: string; status: string | null; created_at: Date | null; error_message: string | null; git_commit_sha: string | null } | null;
    issues: { id: string; title: string; event_count: string | number | bigint | null }[];
  }[];
}

export const incidentSummaryLabel = 'Built-in summary (no model was used).';

/** A deployment this close before the incident is the first suspect. */
const recentDeploymentMs = 60 * 60 * 1000;

const minutesBefore = (earlier: Date, later: Date) => Math.max(0, Math.round((later.getTime() - earlier.getTime()) / 60_000));

export function summarizeIncident(facts: IncidentFacts): string {
  const lines = [incidentSummaryLabel, facts.message.endsWith('.') ? facts.message : `${facts.message}.`];
  if (facts.services.length === 0) lines.push('No service is named by the rule, so there is nothing more to relate it to.');
  for (const service of facts.services) {
    const { deployment, issues } = service;
    if (deployment?.created_at) {
      const minutes = minutesBefore(deployment.created_at, facts.firedAt);
      const recent = facts.firedAt.getTime() - deployment.created_at.getTime() <= recentDeploymentMs;
      const commit = deployment.git_commit_sha ? ` (commit ${deployment.git_commit_sha.slice(0, 7)})` : '';
      lines.push(
        `${service.name} [service:${service.id}]: last deployed ${minutes} min before${commit}, ${deployment.status ?? 'status unknown'} [deployment:${deployment.id}]` +
          (deployment.error_message ? `: ${deployment.error_message}` : '') +
          (recent ? '; a change this recent is the first suspect, roll back if it fits.' : '.'),
      );
    } else {
      lines.push(`${service.name} [service:${service.id}]: never deployed.`);
    }
    if (issues.length > 0) {
      const listed = issues.map((issue) => `"${issue.title}" (${Number(issue.event_count ?? 0)} events) [issue:${issue.id}]`).join('; ');
      lines.push(`${service.name} is throwing: ${listed}.`);
    }
  }
  return lines.join('\n');
}
