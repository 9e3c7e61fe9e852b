import type { Project } from '../../contracts/index.js';
import type { ProjectRow } from '../../db/postgres/database.js';
import { isoTimestamp } from './timestamps.js';

/**
 * A `projects` row as the contract's `Project`; the GitHub App installation id stays inside. The
 * git credential and the webhook secret are write-only: only whether they are set reads back.
 */
export function projectResource(row: ProjectRow): Project {
  return {
    id: row.id,
    org_id: row.org_id,
    name: row.name,
    slug: row.slug,
    description: row.description,
    git_repo_url: row.git_repo_url,
    git_branch: row.git_branch,
    git_provider: row.git_provider,
    git_credentials_set: row.git_credentials_encrypted !== null,
    git_webhook_secret_set: row.git_webhook_secret_encrypted !== null,
    created_at: isoTimestamp(row.created_at, 'projects.created_at'),
    updated_at: isoTimestamp(row.updated_at, 'projects.updated_at'),
  };
}
