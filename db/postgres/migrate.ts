import { type Kysely, type Migration, Migrator } from 'kysely';
import type { Database } from './database.js';
import * as contractSchema from './migrations/0001_contract_schema.js';
import * as commandOutbox from './migrations/0002_command_outbox.js';
import * as auth from './migrations/0003_auth.js';
import * as agentPresence from './migrations/0004_agent_presence.js';
import * as serviceSecrets from './migrations/0005_service_secrets.js';
import * as automationIndexes from './migrations/0006_automation_indexes.js';
import * as durableOperations from './migrations/0007_durable_operations.js';
import * as changeNotifications from './migrations/0008_change_notifications.js';
import * as telemetryIngest from './migrations/0009_telemetry_ingest.js';
import * as liveTelemetry from './migrations/0010_live_telemetry.js';
import * as alertNotifications from './migrations/0011_alert_notifications.js';
import * as serverProblems from './migrations/0012_server_problems.js';
import * as sealedCommandSecrets from './migrations/0013_sealed_command_secrets.js';
import * as commandAnswers from './migrations/0014_command_answers.js';
import * as commandWaiters from './migrations/0015_command_waiters.js';
import * as workflowVersions from './migrations/0016_workflow_versions.js';
import * as aiSettings from './migrations/0017_ai_settings.js';
import * as workflowRunNotifications from './migrations/0018_workflow_run_notifications.js';
import * as serviceDomains from './migrations/0019_service_domains.js';
import * as aiChatMessages from './migrations/0020_ai_chat_messages.js';
import * as builds from './migrations/0021_builds.js';
import * as domainStatusNotifications from './migrations/0022_domain_status_notifications.js';
import * as defaultDomains from './migrations/0023_default_domains.js';
import * as acmeSettings from './migrations/0024_acme_settings.js';
import * as rateLimitBuckets from './migrations/0025_rate_limit_buckets.js';
import * as processHandover from './migrations/0026_process_handover.js';
import * as gitWebhookActor from './migrations/0027_git_webhook_actor.js';
import * as agentReportIds from './migrations/0028_agent_report_ids.js';
import * as buildServers from './migrations/0029_build_servers.js';
import * as inlineDockerfile from './migrations/0030_inline_dockerfile.js';

/**
 * Listed by hand rather than read from the folder (FileMigrationProvider), so the same migrations
 * run under tsx and from a bundle. Kysely runs them in the alphabetical order of these names.
 */
export const migrations: Record<string, Migration> = {
  '0001_contract_schema': contractSchema,
  '0002_command_outbox': commandOutbox,
  '0003_auth': auth,
  '0004_agent_presence': agentPresence,
  '0005_service_secrets': serviceSecrets,
  '0006_automation_indexes': automationIndexes,
  '0007_durable_operations': durableOperations,
  '0008_change_notifications': changeNotifications,
  '0009_telemetry_ingest': telemetryIngest,
  '0010_live_telemetry': liveTelemetry,
  '0011_alert_notifications': alertNotifications,
  '0012_server_problems': serverProblems,
  '0013_sealed_command_secrets': sealedCommandSecrets,
  '0014_command_answers': commandAnswers,
  '0015_command_waiters': commandWaiters,
  '0016_workflow_versions': workflowVersions,
  '0017_ai_settings': aiSettings,
  '0018_workflow_run_notifications': workflowRunNotifications,
  '0019_service_domains': serviceDomains,
  '0020_ai_chat_messages': aiChatMessages,
  '0021_builds': builds,
  '0022_domain_status_notifications': domainStatusNotifications,
  '0023_default_domains': defaultDomains,
  '0024_acme_settings': acmeSettings,
  '0025_rate_limit_buckets': rateLimitBuckets,
  '0026_process_handover': processHandover,
  '0027_git_webhook_actor': gitWebhookActor,
  '0028_agent_report_ids': agentReportIds,
  '0029_build_servers': buildServers,
  '0030_inline_dockerfile': inlineDockerfile,
};

/**
 * Brings the database up to the latest migration and returns the names applied by this call
 * (none when it was already current).
 *
 * Safe to call from several processes at once: kysely's migrator holds a PostgreSQL advisory lock
 * while it reads the applied list and runs what is missing, and the later caller finds nothing
 * left to do. All pending migrations run in one transaction, so a failure leaves none applied.
 */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results.find((result) => result.status === 'Error');
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      failed
        ? `PostgreSQL migration ${failed.migrationName} failed, so none of this run was applied: ${reason}`
        : `PostgreSQL migrations could not start: ${reason}`,
      { cause: error },
    );
  }
  return results.map((result) => result.migrationName);
}
