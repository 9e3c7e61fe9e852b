import type { Diagnosis } from './error-rules.js';

/*
 * The built-in engine's chat: the common questions (what failed, what changed, is it healthy, why
 * does this issue happen) answered from the records the caller may read, each named by id. It
 * says it is the built-in engine, so no one takes it for a model.
 */

export interface ChatFacts {
  services: { id: string; name: string; project_name: string; current_status: string | null; replicas: number | null }[];
  deployments: {
    id: string;
    service_name: string;
    status: string | null;
    created_at: Date | null;
    git_commit_sha: string | null;
    git_commit_message: string | null;
    error_message: string | null;
  }[];
  issues: { id: string; title: string; service_name: string; event_count: string | number | bigint | null; last_seen_at: Date }[];
  issue?: { id: string; title: string; diagnosis: Diagnosis };
}

export const builtinLabel = '(Answered by the built-in engine from your platform data; no model was used.)';

type Intent = 'issue' | 'failed' | 'changed' | 'health' | 'overview';

function intentOf(message: string, facts: ChatFacts): Intent {
  const text = message.toLowerCase();
  if (facts.issue && /\bwhy\b|cause|fix|issue|error|exception|this/.test(text)) return 'issue';
  if (/fail|broke|crash|error|wrong|down\b|problem/.test(text)) return 'failed';
  if (/chang|deploy|releas|ship|recent|rollback/.test(text)) return 'changed';
  if (/health|status|\bup\b|running|\bok\b|alive/.test(text)) return 'health';
  return facts.issue ? 'issue' : 'overview';
}

const when = (date: Date | null) => (date ? date.toISOString().replace('T', ' ').slice(0, 16) : 'unknown time');
const commit = (deployment: ChatFacts['deployments'][number]) =>
  deployment.git_commit_sha ? ` (commit ${deployment.git_commit_sha.slice(0, 7)}${deployment.git_commit_message ? `: ${deployment.git_commit_message.split('\n')[0]}` : ''})` : '';

function failedPart(facts: ChatFacts): string[] {
  const failed = facts.deployments.filter((deployment) => deployment.status === 'failed' || deployment.status === 'rolled_back');
  const lines = failed.length
    ? ['Failed deployments:', ...failed.slice(0, 5).map((deployment) => `- ${deployment.service_name}: ${deployment.status} at ${when(deployment.created_at)}${commit(deployment)}${deployment.error_message ? `: ${deployment.error_message}` : ''} [deployment:${deployment.id}]`)]
    : ['No recent deployment failed.'];
  lines.push(
    ...(facts.issues.length
      ? ['Unresolved issues, most recent first:', ...facts.issues.slice(0, 5).map((issue) => `- ${issue.service_name}: ${issue.title} (${issue.event_count ?? 1} events, last ${when(issue.last_seen_at)}) [issue:${issue.id}]`)]
      : ['No unresolved issues.']),
  );
  return lines;
}

function changedPart(facts: ChatFacts): string[] {
  if (facts.deployments.length === 0) return ['No deployments yet.'];
  return ['Recent deployments, newest first:', ...facts.deployments.slice(0, 8).map((deployment) => `- ${deployment.service_name}: ${deployment.status ?? 'queued'} at ${when(deployment.created_at)}${commit(deployment)} [deployment:${deployment.id}]`)];
}

function healthPart(facts: ChatFacts): string[] {
  if (facts.services.length === 0) return ['No services here yet.'];
  return facts.services.map((service) => {
    const issues = facts.issues.filter((issue) => issue.service_name === service.name).length;
    const state = service.current_status === 'running' ? 'running' : service.current_status ? `current deployment ${service.current_status}` : 'never deployed';
    const verdict = service.current_status === 'running' && issues === 0 ? 'healthy' : service.current_status === 'running' ? 'running, with problems' : 'not healthy';
    return `- ${service.project_name}/${service.name}: ${verdict} (${state}, ${service.replicas ?? 1} replica${service.replicas === 1 ? '' : 's'}, ${issues} unresolved issue${issues === 1 ? '' : 's'}) [service:${service.id}]`;
  });
}

function issuePart(issue: NonNullable<ChatFacts['issue']>): string[] {
  const { diagnosis } = issue;
  return [
    `Issue "${issue.title}" [issue:${issue.id}]`,
    `What's wrong: ${diagnosis.whats_wrong}`,
    `Likely cause (${diagnosis.confidence} confidence): ${diagnosis.possible_cause}`,
    `Fix: ${diagnosis.suggested_fix}`,
    ...(diagnosis.evidence.length ? ['Evidence:', ...diagnosis.evidence.slice(0, 5).map((line) => `- ${line}`)] : []),
  ];
}

export function builtinAnswer(message: string, facts: ChatFacts): string {
  const intent = intentOf(message, facts);
  const body =
    intent === 'issue' && facts.issue
      ? issuePart(facts.issue)
      : intent === 'failed'
        ? failedPart(facts)
        : intent === 'changed'
          ? changedPart(facts)
          : intent === 'health'
            ? healthPart(facts)
            : [...healthPart(facts), '', ...changedPart(facts).slice(0, 4), '', ...failedPart(facts).slice(-3)];
  return [builtinLabel, '', ...body].join('\n');
}
