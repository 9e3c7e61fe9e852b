import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { chatConversation, storeChatExchange } from '../../db/queries/ai-chat-messages.js';
import pino from 'pino';
import { startAiActivityWorker } from '../../cli/ai-activity-worker.js';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AiAnalysis, AiRecommendation, AiSettings, apiResponse, ChatDoneEvent, ChatHistoryEntry, ErrorGroup, GeneratedDockerfile } from '../../contracts/index.js';
import { builtinLabel } from '../../control/ai/builtin/chat-answer.js';
import { runIssueAnalysis } from '../../control/ai/analysis-runs.js';
import { operationQueueOf } from '../../control/operations/queue.js';
import { aiIds } from '../../workflows/workflow-ids.js';
import { ApiProblem } from '../../control/problem.js';
import { providerKey, readEvents, secretPassword, startAiStack, type AiStack } from './ai-stack.js';

describe('the AI endpoints', () => {
  let stack: AiStack;
  let api: AiStack['api'];
  let model: AiStack['model'];
  let workers: AiStack['workers'];
  let roles: AiStack['roles'];
  let serviceId: string;
  let issueId: string;
  let foreign: AiStack['foreign'];
  let call: AiStack['call'];
  let chat: AiStack['chat'];
  let enableProvider: AiStack['enableProvider'];
  let disableProvider: AiStack['disableProvider'];
  let lastAudit: AiStack['lastAudit'];
  let assertNothingSecretSent: AiStack['assertNothingSecretSent'];

  beforeAll(async () => {
    stack = await startAiStack('ai');
    ({ api, model, workers, roles, serviceId, issueId, foreign, call, chat, enableProvider, disableProvider, lastAudit, assertNothingSecretSent } = stack);
  });
  afterAll(() => stack?.close());

  describe('the provider setting', () => {
    it('starts off, and only an owner changes it', async () => {
      const read = await call('GET', '/ai/settings', undefined, roles.viewer);
      expect(apiResponse(AiSettings).parse(read.json()).data).toEqual({ enabled: false, base_url: null, model: null, api_key_set: false, updated_at: null });
      for (const role of ['admin', 'developer', 'viewer'] as const) {
        const response = await call('PATCH', '/ai/settings', { enabled: false }, roles[role]);
        expect(response.statusCode, role).toBe(403);
      }
    });

    it('refuses to enable without a base URL and model, changing nothing', async () => {
      const response = await call('PATCH', '/ai/settings', { enabled: true });
      expect(response.statusCode).toBe(422);
      expect(response.json().error.details.map((detail: { path: string }) => detail.path)).toEqual(['body.base_url', 'body.model']);
      expect((await call('PATCH', '/ai/settings', { base_url: 'ftp://x' })).statusCode).toBe(400);
      expect((await call('GET', '/ai/settings')).json().data.enabled).toBe(false);
    });

    it('seals the key, never returns it, and audits the change without it', async () => {
      await enableProvider();
      const read = apiResponse(AiSettings).parse((await call('GET', '/ai/settings')).json()).data;
      expect(read).toMatchObject({ enabled: true, base_url: model.url, model: 'local-test-model', api_key_set: true });
      const row = await api.platform.db.selectFrom('ai_settings').selectAll().executeTakeFirstOrThrow();
      expect(row.api_key_encrypted!.toString('latin1')).not.toContain(providerKey);
      const audit = await call('GET', '/audit-logs');
      const entry = audit.json().data.find((candidate: { action: string }) => candidate.action === 'ai_settings.update');
      expect(entry.details.api_key).toBe('replaced');
      expect(audit.body).not.toContain(providerKey);
      await disableProvider();
      expect(model.received).toHaveLength(0);
    });
  });

  describe('POST /ai/analyze-error', () => {
    it('with no provider, diagnoses from the evidence with the built-in engine, stores it, and sends nothing anywhere', async () => {
      const response = await call('POST', '/ai/analyze-error', { issue_id: issueId }, roles.developer);
      expect(response.statusCode, response.body).toBe(200);
      const analysis = apiResponse(AiAnalysis).parse(response.json()).data;
      expect(analysis).toMatchObject({ engine: 'builtin', model: null, category: 'connection_refused' });
      expect(analysis.possible_cause).toMatch(/localhost/);
      expect(analysis.relevant_frames[0]).toContain('src/db.ts:12');
      const issue = apiResponse(ErrorGroup).parse((await call('GET', `/issues/${issueId}`)).json()).data;
      expect(issue.ai_analysis).toEqual(analysis);
      expect(issue.ai_analyzed_at).not.toBeNull();
      // Cached until force_refresh.
      const again = apiResponse(AiAnalysis).parse((await call('POST', '/ai/analyze-error', { issue_id: issueId })).json()).data;
      expect(again.analyzed_at).toBe(analysis.analyzed_at);
      expect(model.received).toHaveLength(0);
      expect(await lastAudit('ai.analyze_error')).toMatchObject({ engine: 'builtin', tokens: { prompt: 0, completion: 0 } });
    });

    it('runs as a Temporal workflow whose history holds ids and figures, never the logs it read', async () => {
      const handle = operationQueueOf(api.platform).client.workflow.getHandle(aiIds.issueAnalysis(issueId));
      const described = await handle.describe();
      expect(described.type).toBe('issueAnalysis');
      expect(described.status.name).toBe('COMPLETED');
      const history = JSON.stringify(await handle.fetchHistory());
      expect(history).toContain(issueId);
      expect(history).not.toContain(secretPassword);
      expect(history).not.toContain('ECONNREFUSED');
      const before = apiResponse(ErrorGroup).parse((await call('GET', `/issues/${issueId}`)).json()).data.ai_analyzed_at!;
      const refreshed = await call('POST', '/ai/analyze-error', { issue_id: issueId, force_refresh: true });
      expect(refreshed.statusCode, refreshed.body).toBe(200);
      expect(Date.parse(apiResponse(AiAnalysis).parse(refreshed.json()).data.analyzed_at)).toBeGreaterThan(Date.parse(before));
      expect((await handle.describe()).runId).not.toBe(described.runId);
    });

    it('an analysis started while no API process polls the AI queue answers 503, then finishes when one polls again', async () => {
      await workers.activities.stop();
      const { orgId } = await api.platform.db.selectFrom('projects').select('org_id as orgId').executeTakeFirstOrThrow();
      const before = (await api.platform.db.selectFrom('error_groups').select('ai_analyzed_at').where('id', '=', issueId).executeTakeFirstOrThrow()).ai_analyzed_at!;
      const pending = await runIssueAnalysis(api.platform, issueId, orgId, 1_500).catch((error: unknown) => error);
      expect(pending).toBeInstanceOf(ApiProblem);
      expect(pending).toMatchObject({ code: 'SERVICE_UNAVAILABLE', message: expect.stringMatching(/still running/) });
      workers.activities = await startAiActivityWorker(api.platform, pino({ level: 'warn' }));
      // The same run, joined rather than started again, now finishes.
      const finished = await runIssueAnalysis(api.platform, issueId, orgId);
      expect(finished.engine).toBe('builtin');
      const after = (await api.platform.db.selectFrom('error_groups').select('ai_analyzed_at').where('id', '=', issueId).executeTakeFirstOrThrow()).ai_analyzed_at!;
      expect(after.getTime()).toBeGreaterThan(before.getTime());
    });

    it('answers 403 to a viewer, 404 for another organization, 400 for a bad body', async () => {
      expect((await call('POST', '/ai/analyze-error', { issue_id: issueId }, roles.viewer)).statusCode).toBe(403);
      expect((await call('POST', '/ai/analyze-error', { issue_id: foreign.issueId })).statusCode).toBe(404);
      expect((await call('POST', '/ai/analyze-error', { issue_id: issueId }, foreign.token)).statusCode).toBe(404);
      expect((await call('POST', '/ai/analyze-error', { issue_id: 'nope' })).statusCode).toBe(400);
    });

    it("with the provider on, stores the model's checked answer; the prompt holds no secret and fences the logs as data", async () => {
      await enableProvider();
      model.received.length = 0;
      const findings = {
        summary: 'The pool connects to localhost',
        whats_wrong: 'Connections to 127.0.0.1:5432 are refused',
        possible_cause: 'DATABASE_URL points at the container itself',
        confidence: 'high',
        suggested_fix: 'Use the database service host name',
        relevant_frames: ['connect (src/db.ts:12)'],
        evidence: ['connect ECONNREFUSED 127.0.0.1:5432'],
      };
      model.answerWith({ content: JSON.stringify(findings) });
      const response = await call('POST', '/ai/analyze-error', { issue_id: issueId, force_refresh: true });
      expect(response.statusCode, response.body).toBe(200);
      expect(apiResponse(AiAnalysis).parse(response.json()).data).toMatchObject({ ...findings, engine: 'provider', model: 'local-test-model', category: 'connection_refused' });
      expect(model.received).toHaveLength(1);
      const [request] = model.received;
      expect(request!.headers.authorization).toBe(`Bearer ${providerKey}`);
      expect(request!.body).toContain('[REDACTED]');
      expect(request!.body).toContain('<<<DATA');
      expect(request!.body).toContain('IGNORE PREVIOUS INSTRUCTIONS');
      assertNothingSecretSent();
      expect(await lastAudit('ai.analyze_error')).toMatchObject({ engine: 'provider', model: 'local-test-model', tokens: { prompt: 10, completion: 10 } });
    });

    it('falls back to the built-in engine when the model answers out of shape or fails', async () => {
      model.answerWith({ content: JSON.stringify({ summary: 'no other keys' }) });
      const invalid = apiResponse(AiAnalysis).parse((await call('POST', '/ai/analyze-error', { issue_id: issueId, force_refresh: true })).json()).data;
      expect(invalid).toMatchObject({ engine: 'builtin', category: 'connection_refused' });
      model.answerWith({ content: 'I think it is the network.' });
      expect((await call('POST', '/ai/analyze-error', { issue_id: issueId, force_refresh: true })).json().data.engine).toBe('builtin');
      model.answerWith({ status: 500 });
      expect((await call('POST', '/ai/analyze-error', { issue_id: issueId, force_refresh: true })).json().data.engine).toBe('builtin');
      assertNothingSecretSent();
      await disableProvider();
    });
  });

  describe('POST /ai/chat (Server-Sent Events over HTTP)', () => {
    it('streams a built-in answer grounded in the records, naming them', async () => {
      const before = model.received.length;
      const response = await chat({ message: 'What failed recently?', context: { service_id: serviceId } }, roles.developer);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const events = await readEvents(response);
      const tokens = events.filter((event) => event.event === 'token').map((event) => (event.data as { content: string }).content);
      expect(tokens.length).toBeGreaterThan(1);
      const answer = tokens.join('');
      expect(answer.startsWith(builtinLabel)).toBe(true);
      expect(answer).toContain(`[issue:${issueId}]`);
      const done = ChatDoneEvent.parse(events.at(-1)!.data);
      expect(events.at(-1)!.event).toBe('done');
      expect(done).toMatchObject({ engine: 'builtin' });
      expect(done.sources).toEqual(expect.arrayContaining([`service:${serviceId}`, `issue:${issueId}`]));
      expect(model.received.length).toBe(before);
    });

    it("streams the provider's tokens as they come, and what it was sent holds no secret", async () => {
      await enableProvider();
      model.received.length = 0;
      model.answerWith({ chunks: ['The database ', 'is unreachable ', `[issue:${issueId}]`] });
      const events = await readEvents(await chat({ message: 'Why is checkout broken?', context: { issue_id: issueId } }));
      expect(events.map((event) => event.event)).toEqual(['token', 'token', 'token', 'done']);
      expect(events.slice(0, 3).map((event) => (event.data as { content: string }).content).join('')).toBe(`The database is unreachable [issue:${issueId}]`);
      expect(ChatDoneEvent.parse(events[3]!.data).engine).toBe('provider');
      expect(JSON.parse(model.received[0]!.body)).toMatchObject({ model: 'local-test-model', stream: true });
      assertNothingSecretSent();

      model.answerWith({ status: 500 });
      const fallback = await readEvents(await chat({ message: 'is it healthy?', context: {} }));
      expect(ChatDoneEvent.parse(fallback.at(-1)!.data).engine).toBe('builtin');
      await disableProvider();
    });

    it('answers 404 in the JSON envelope, before any event, for what the caller cannot reach; 403 to a viewer', async () => {
      const notFound = await chat({ message: 'why?', context: { issue_id: foreign.issueId } });
      expect(notFound.status).toBe(404);
      expect(((await notFound.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
      expect((await chat({ message: 'hi', context: { service_id: foreign.serviceId } })).status).toBe(404);
      expect((await chat({ message: 'hi', context: {} }, roles.viewer)).status).toBe(403);
      expect((await chat({ message: '', context: {} })).status).toBe(400);
    });
  });

  describe('GET /ai/chat/history', () => {
    it("keeps each user's answered questions per context and gives them back, oldest first, to that user only", async () => {
      await readEvents(await chat({ message: 'first question', context: { issue_id: issueId } }, roles.admin));
      const second = await readEvents(await chat({ message: 'second question', context: { issue_id: issueId } }, roles.admin));
      const done = ChatDoneEvent.parse(second.at(-1)!.data);
      const history = apiResponse(z.array(ChatHistoryEntry)).parse((await call('GET', `/ai/chat/history?issue_id=${issueId}`, undefined, roles.admin)).json()).data;
      expect(history.map((entry) => entry.question)).toEqual(['first question', 'second question']);
      expect(history[1]).toMatchObject({ message_id: done.message_id, engine: 'builtin', sources: done.sources });
      expect(history[1]!.answer).toBe(second.filter((event) => event.event === 'token').map((event) => (event.data as { content: string }).content).join(''));
      // Another context, another member, another organization: another conversation.
      expect((await call('GET', `/ai/chat/history?service_id=${serviceId}`, undefined, roles.admin)).json().data).toEqual([]);
      expect((await call('GET', `/ai/chat/history?issue_id=${issueId}`, undefined, roles.developer)).json().data).toEqual([]);
      expect((await call('GET', `/ai/chat/history?issue_id=${issueId}`, undefined, foreign.token)).json().data).toEqual([]);
      expect((await call('GET', '/ai/chat/history?issue_id=nope')).statusCode).toBe(400);
      expect((await call('GET', '/ai/chat/history', undefined, roles.viewer)).statusCode).toBe(403);
    });

    it('keeps only the newest exchanges of a conversation', async () => {
      const { db } = api.platform;
      const row = await db.selectFrom('ai_chat_messages').selectAll().where('question', '=', 'second question').executeTakeFirstOrThrow();
      const conversation = { orgId: row.org_id, userId: row.user_id, context: { project_id: randomUUID() } };
      for (const question of ['one', 'two', 'three']) {
        await storeChatExchange(db, { ...conversation, id: randomUUID(), question, answer: 'a', engine: 'builtin', sources: [] }, 2);
      }
      expect((await chatConversation(db, conversation, 10)).map((exchange) => exchange.question)).toEqual(['two', 'three']);
      expect(await chatConversation(db, { ...conversation, context: { issue_id: issueId } }, 10)).toHaveLength(2);
    });
  });

  describe('POST /ai/generate-dockerfile', () => {
    it('detects the stack from the files given, and says what it needs when it cannot', async () => {
      const response = await call('POST', '/ai/generate-dockerfile', {
        repo_url: 'https://github.com/acme/shop',
        files: { 'package.json': '{"scripts":{"start":"node server.js"}}', 'package-lock.json': '{}' },
      }, roles.developer);
      expect(response.statusCode, response.body).toBe(200);
      const generated = apiResponse(GeneratedDockerfile).parse(response.json()).data;
      expect(generated).toMatchObject({ stack: 'node-npm', engine: 'builtin' });
      expect(generated.dockerfile).toMatch(/^FROM node:22-alpine/);
      const unknown = await call('POST', '/ai/generate-dockerfile', { repo_url: 'https://github.com/acme/shop' });
      expect(unknown.statusCode).toBe(422);
      expect((await call('POST', '/ai/generate-dockerfile', { repo_url: 'x', files: { '../etc/passwd': '' } })).statusCode).toBe(400);
      expect((await call('POST', '/ai/generate-dockerfile', { repo_url: 'https://github.com/acme/shop', framework_hint: 'go' }, roles.viewer)).statusCode).toBe(403);
    });
  });

  describe('GET /ai/recommendations/:serviceId', () => {
    it("recommends from the service's own data, to any member of its organization only", async () => {
      const response = await call('GET', `/ai/recommendations/${serviceId}`, undefined, roles.viewer);
      expect(response.statusCode, response.body).toBe(200);
      const kinds = apiResponse(z.array(AiRecommendation)).parse(response.json()).data.map((recommendation) => recommendation.kind);
      expect(kinds).toEqual(expect.arrayContaining(['unresolved_issues', 'health_check_missing', 'single_replica']));
      expect((await call('GET', `/ai/recommendations/${foreign.serviceId}`)).statusCode).toBe(404);
    });
  });

  it('never writes the provider key to the log', async () => {
    const log = await readFile(path.join(api.config.dataDir, 'api.log'), 'utf8');
    expect(log.length).toBeGreaterThan(0);
    expect(log).not.toContain(providerKey);
    expect(log).not.toContain(secretPassword);
  });
});
