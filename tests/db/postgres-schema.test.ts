import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { type Kysely, Migrator, NO_MIGRATIONS, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { createDb, postgresVersion } from '../../db/postgres/connection.js';
import type { Database, HealthCheckRow, JsonValue, NewServer, ServerRow, ServiceRow } from '../../db/postgres/database.js';
import { migrateToLatest, migrations } from '../../db/postgres/migrate.js';
import { commandByRequestId, deployStatusWaiter, takePendingCommands } from '../../db/queries/agent-commands.js';
import { deployPayload } from '../support/fixtures.js';
import { freshDatabaseUrl } from '../support/postgres.js';
import { type Catalog, readCatalog } from './postgres-catalog.js';
import {
  expectedColumns,
  expectedEnums,
  expectedExtensions,
  expectedFunctions,
  expectedIndexes,
  expectedKeys,
  expectedTriggers,
} from './postgres-contract-inventory.js';

const allMigrations = Object.keys(migrations);
const notifyWaitMs = 5_000;

describe('a database migrated to the latest schema', () => {
  let database: Awaited<ReturnType<typeof freshDatabaseUrl>>;
  let db: Kysely<Database>;
  let otherProcess: Kysely<Database>;
  let appliedConcurrently: string[][];
  let catalog: Catalog;

  beforeAll(async () => {
    database = await freshDatabaseUrl('pg_schema');
    db = createDb(database.url, { max: 3 });
    otherProcess = createDb(database.url, { max: 3 });
    appliedConcurrently = await Promise.all([migrateToLatest(db), migrateToLatest(otherProcess)]);
    catalog = await readCatalog(db);
  });

  afterAll(async () => {
    await db?.destroy();
    await otherProcess?.destroy();
    await database?.drop();
  });

  it('was migrated exactly once by two callers racing on a fresh database', async () => {
    expect([...appliedConcurrently].sort((a, b) => b.length - a.length)).toEqual([allMigrations, []]);
    const recorded = await sql<{ name: string }>`SELECT name FROM kysely_migration ORDER BY name`.execute(db);
    expect(recorded.rows.map((row) => row.name)).toEqual(allMigrations);
  });

  it('does nothing when migrated again', async () => {
    expect(await migrateToLatest(db)).toEqual([]);
    expect(await readCatalog(db)).toEqual(catalog);
  });

  it('has the extensions, and every table with every column, type, nullability and default in order', () => {
    expect(catalog.extensions).toEqual(expectedExtensions);
    expect(Object.keys(catalog.columns).sort()).toEqual(Object.keys(expectedColumns).sort());
    for (const [table, columns] of Object.entries(expectedColumns)) {
      expect(Object.entries(catalog.columns[table] ?? {}), table).toEqual(Object.entries(columns));
    }
  });

  it('has every primary key, unique constraint and foreign key', () => {
    const sortedValues = (keys: Record<string, string[]>) =>
      Object.fromEntries(Object.entries(keys).map(([table, definitions]) => [table, [...definitions].sort()]));
    expect(sortedValues(catalog.keys)).toEqual(sortedValues(expectedKeys));
  });

  it('has every enum with its labels in order', () => {
    expect(catalog.enums).toEqual(expectedEnums);
  });

  it('has every named index on its columns, and no other', () => {
    expect(catalog.indexes).toEqual(expectedIndexes);
  });

  it('has the trigger functions and every trigger', () => {
    expect(catalog.functions).toEqual(expectedFunctions);
    expect(catalog.triggers).toEqual(expectedTriggers);
  });

  it('moves updated_at forward on UPDATE', async () => {
    const longAgo = new Date('2000-01-01T00:00:00Z');
    const { serverId } = await insertServer(db, 'updated-at', longAgo);
    const before = new Date();
    const updated = await db
      .updateTable('servers')
      .set({ status: 'online' })
      .where('id', '=', serverId)
      .returning(['status', 'updated_at', 'created_at'])
      .executeTakeFirstOrThrow();
    expect(updated.status).toBe('online');
    expect(updated.created_at).toEqual(longAgo);
    expect(updated.updated_at?.getTime()).toBeGreaterThanOrEqual(before.getTime() - 1_000);
  });

  it('notifies LISTENers on channel agent_commands with the server id when a command is queued', async () => {
    const { serverId } = await insertServer(db, 'notify');
    const listener = new pg.Client({ connectionString: database.url });
    await listener.connect();
    try {
      await listener.query('LISTEN agent_commands');
      const notified = once(listener, 'notification', { signal: AbortSignal.timeout(notifyWaitMs) });
      const command = await db
        .insertInto('agent_commands')
        .values({ server_id: serverId, request_id: 'req-notify-1', type: 'deploy', payload: JSON.stringify({ image: 'app:1' }) })
        .returning(['status', 'payload', 'created_at'])
        .executeTakeFirstOrThrow();
      const [notification] = (await notified) as [pg.Notification];
      expect(notification).toMatchObject({ channel: 'agent_commands', payload: serverId });
      expect(command).toMatchObject({ status: 'pending', payload: { image: 'app:1' } });
      expect(command.created_at).toBeInstanceOf(Date);
    } finally {
      await listener.end();
    }
  });

  it('refuses a second command with the same request_id and an unknown status', async () => {
    const { serverId } = await insertServer(db, 'outbox-rules');
    const command = { server_id: serverId, type: 'restart', payload: '{}' };
    await db.insertInto('agent_commands').values({ ...command, request_id: 'req-once' }).execute();
    await expect(db.insertInto('agent_commands').values({ ...command, request_id: 'req-once' }).execute()).rejects.toThrow(
      /agent_commands_request_id_key/,
    );
    await expect(
      sql`INSERT INTO agent_commands (server_id, request_id, type, payload, status)
          VALUES (${serverId}, 'req-bad-status', 'restart', '{}', 'lost')`.execute(db),
    ).rejects.toThrow(/agent_commands_status_check/);
  });

  it('reads BIGINT as a string, INET as text, TEXT[] as an array, BYTEA as a Buffer, JSONB parsed', async () => {
    const { serverId, orgId } = await insertServer(db, 'types');
    const project = await db
      .insertInto('projects')
      .values({ org_id: orgId, name: 'Types', slug: 'types' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const service = await db
      .insertInto('services')
      .values({ project_id: project.id, server_id: serverId, name: 'api', source_type: 'image', env_vars_encrypted: Buffer.from([1, 2, 3]) })
      .returning(['id', 'env_vars_encrypted', 'domains', 'replicas'])
      .executeTakeFirstOrThrow();
    expect(service).toMatchObject({ env_vars_encrypted: Buffer.from([1, 2, 3]), domains: [], replicas: 1 });
    const check = await db
      .insertInto('health_checks')
      .values({ service_id: service.id, response_time_ms: 12, is_healthy: true })
      .returning('id')
      .executeTakeFirstOrThrow();
    expect(check.id).toMatch(/^\d+$/);
    const server = await db.selectFrom('servers').select(['public_ip', 'tags']).where('id', '=', serverId).executeTakeFirstOrThrow();
    expect(server).toEqual({ public_ip: '203.0.113.7', tags: ['edge', 'eu'] });

    expectTypeOf<HealthCheckRow['id']>().toEqualTypeOf<string>();
    expectTypeOf<ServerRow['public_ip']>().toEqualTypeOf<string | null>();
    expectTypeOf<ServerRow['tags']>().toEqualTypeOf<string[] | null>();
    expectTypeOf<ServerRow['created_at']>().toEqualTypeOf<Date | null>();
    expectTypeOf<ServiceRow['env_vars_encrypted']>().toEqualTypeOf<Buffer | null>();
    expectTypeOf<ServiceRow['domains']>().toEqualTypeOf<JsonValue | null>();
    expectTypeOf<NewServer>().toHaveProperty('created_at').toEqualTypeOf<Date | string | null | undefined>();
  });

  it('reports the server version', async () => {
    expect(await postgresVersion(db)).toMatch(/^\d+(\.\d+)?/);
  });
});

describe('migrations that cannot all be applied', () => {
  let database: Awaited<ReturnType<typeof freshDatabaseUrl>>;
  let db: Kysely<Database>;

  beforeAll(async () => {
    database = await freshDatabaseUrl('pg_failed_migration');
    db = createDb(database.url, { max: 2 });
  });

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('name the failed migration and leave none of the run applied', async () => {
    await sql`CREATE TABLE agent_commands (id INTEGER)`.execute(db);
    await expect(migrateToLatest(db)).rejects.toThrow(/migration 0002_command_outbox failed.*agent_commands/);
    const users = await sql<{ table: string | null }>`SELECT to_regclass('public.users')::text AS table`.execute(db);
    expect(users.rows).toEqual([{ table: null }]);
  });
});

describe('the down migrations', () => {
  let database: Awaited<ReturnType<typeof freshDatabaseUrl>>;
  let db: Kysely<Database>;

  beforeAll(async () => {
    database = await freshDatabaseUrl('pg_down');
    db = createDb(database.url, { max: 2 });
  });

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('remove everything the up migrations created, except the extensions', async () => {
    await migrateToLatest(db);
    const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
    const { error } = await migrator.migrateTo(NO_MIGRATIONS);
    expect(error).toBeUndefined();
    expect(await readCatalog(db)).toEqual({
      columns: {},
      keys: {},
      enums: {},
      indexes: {},
      triggers: {},
      functions: {},
      extensions: expectedExtensions,
    });
    expect(await migrateToLatest(db)).toEqual(allMigrations);
  });
});

describe('migration 0013 on an outbox written before it', () => {
  let database: Awaited<ReturnType<typeof freshDatabaseUrl>>;
  let db: Kysely<Database>;

  beforeAll(async () => {
    database = await freshDatabaseUrl('pg_outbox_secrets');
    db = createDb(database.url, { max: 2 });
  });

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it("strips a deploy's plaintext env values and registry credentials, and the stripped deploy is never sent", async () => {
    const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
    expect((await migrator.migrateTo('0012_server_problems')).error).toBeUndefined();
    const { serverId } = await insertServer(db, 'outbox-secrets');
    const deploy = deployPayload('old-deploy', { envVars: { API_TOKEN: 'old-env-secret' }, registryAuth: { username: 'ci', password: 'old-registry-secret' } });
    const restart = { request_id: 'old-restart', service_id: deploy.service_id, timeout_seconds: 10 };
    await sql`INSERT INTO agent_commands (server_id, request_id, type, payload) VALUES
      (${serverId}, 'old-deploy', 'deploy', ${JSON.stringify(deploy)}::jsonb),
      (${serverId}, 'old-restart', 'restart', ${JSON.stringify(restart)}::jsonb)`.execute(db);

    expect((await migrator.migrateTo('0013_sealed_command_secrets')).results?.map((result) => result.migrationName)).toEqual(['0013_sealed_command_secrets']);
    const { registry_auth: _auth, config, ...kept } = deploy;
    const { env_vars: _env, ...keptConfig } = config;
    expect((await commandByRequestId(db, 'old-deploy'))!.payload).toEqual({ ...kept, config: keptConfig });
    expect((await commandByRequestId(db, 'old-restart'))!.payload).toEqual(restart);
    expect((await takePendingCommands(db, serverId)).map((command) => command.request_id)).toEqual(['old-restart']);
    expect(await commandByRequestId(db, 'old-deploy')).toMatchObject({ status: 'expired', sealed_secrets: null });
  });
});

describe('migration 0015 on an outbox written before it', () => {
  let database: Awaited<ReturnType<typeof freshDatabaseUrl>>;
  let db: Kysely<Database>;

  beforeAll(async () => {
    database = await freshDatabaseUrl('pg_outbox_waiters');
    db = createDb(database.url, { max: 2 });
  });

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it("names each workflow command's waiting workflow and each deploy's deployment, so commands in flight are still answered to their workflow", async () => {
    const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
    expect((await migrator.migrateTo('0014_command_answers')).error).toBeUndefined();
    const { serverId } = await insertServer(db, 'outbox-waiters');
    const deploy = deployPayload('deploy-a:deploy-b', { envVars: {}, registryAuth: null });
    const restart = { request_id: 'restart-s-o:command', service_id: deploy.service_id, timeout_seconds: 10 };
    const exec = { request_id: 'exec-1', service_id: deploy.service_id, command: ['true'] };
    await sql`INSERT INTO agent_commands (server_id, request_id, type, payload) VALUES
      (${serverId}, ${deploy.request_id}, 'deploy', ${JSON.stringify(deploy)}::jsonb),
      (${serverId}, ${restart.request_id}, 'restart', ${JSON.stringify(restart)}::jsonb),
      (${serverId}, ${exec.request_id}, 'exec', ${JSON.stringify(exec)}::jsonb)`.execute(db);

    expect((await migrator.migrateTo('0015_command_waiters')).results?.map((result) => result.migrationName)).toEqual(['0015_command_waiters']);
    expect(await commandByRequestId(db, deploy.request_id)).toMatchObject({ workflow_id: 'deploy-a', deployment_id: deploy.deployment_id });
    expect(await commandByRequestId(db, restart.request_id)).toMatchObject({ workflow_id: 'restart-s-o', deployment_id: null });
    expect(await commandByRequestId(db, exec.request_id)).toMatchObject({ workflow_id: null, deployment_id: null });
    expect(await deployStatusWaiter(db, serverId, deploy.deployment_id)).toBe('deploy-a');
  });
});

/** A user, their organisation and one server, as the smallest fixture a command or update needs. */
async function insertServer(db: Kysely<Database>, label: string, createdAt?: Date) {
  const user = await db
    .insertInto('users')
    .values({ email: `${label}@example.test`, name: label })
    .returning('id')
    .executeTakeFirstOrThrow();
  const org = await db
    .insertInto('organizations')
    .values({ name: label, slug: label, owner_id: user.id })
    .returning('id')
    .executeTakeFirstOrThrow();
  const server = await db
    .insertInto('servers')
    .values({
      org_id: org.id,
      name: `${label}-1`,
      // Agent token hashes are unique (0004): derive a distinct one per fixture.
      agent_token_hash: createHash('sha256').update(label).digest('hex'),
      public_ip: '203.0.113.7',
      tags: ['edge', 'eu'],
      ...(createdAt ? { created_at: createdAt, updated_at: createdAt } : {}),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { serverId: server.id, orgId: org.id };
}
