import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { generateDockerfile } from '../../contracts/build/detector.js';
import { builtinLabel } from '../../control/ai/builtin/chat-answer.js';
import { openAiProviderKey } from '../../control/secrets/ai-provider-key.js';
import { addMember, bootstrappedOrganization } from '../support/auth.js';
import { startOpenAiCompatibleServer } from '../support/openai-compatible-server.js';
import { startTestApi } from '../support/platform.js';
import { startAiWorkers } from '../support/ai-workers.js';
import { projectWithServices, refusedConnectFrame, refusedConnectionIssue } from '../api/observability-fixtures.js';
import { viewports } from './browser.js';
import { openOperatorBrowser } from './operator-stack.js';
import { ensureProductionUi } from './production-build.js';

/*
 * The AI screens in Chromium against the real API and PostgreSQL: the owner's provider form, the
 * issue's analysis, the chat reading the SSE stream (the built-in engine, then a local
 * OpenAI-compatible server streaming tokens, stopped midway), recommendations and a generated
 * Dockerfile. Every screen passes axe-core without a serious or critical violation.
 */

const providerKey = 'sk-ui-provider-key-51e0c2d9';

let api: Awaited<ReturnType<typeof startTestApi>>;
let workers: Awaited<ReturnType<typeof startAiWorkers>> | undefined;
let model: Awaited<ReturnType<typeof startOpenAiCompatibleServer>>;
let baseUrl: string;
let session: Awaited<ReturnType<typeof openOperatorBrowser>>;
let page: Page;
let adminToken: string;
let serviceId: string;
let issueId: string;
let pageErrors: string[] = [];

beforeAll(async () => {
  await ensureProductionUi();
  model = await startOpenAiCompatibleServer();
  api = await startTestApi('ai-ui');
  workers = await startAiWorkers(api.platform);
  baseUrl = await api.app.listen({ port: 0, host: '127.0.0.1' });
  const { db } = api.platform;
  const orgId = (await bootstrappedOrganization(db)).id;
  adminToken = (await addMember(db, orgId, 'admin')).token;
  serviceId = (await projectWithServices(db, orgId, 1)).services[0]!.id;
  issueId = await refusedConnectionIssue(db, serviceId, { eventCount: 3, frames: [refusedConnectFrame] });
  session = await openOperatorBrowser(baseUrl, api.ownerToken, { permissions: ['clipboard-read', 'clipboard-write'], screenshotPrefix: 'ai' });
  ({ page, pageErrors } = session);
});

afterAll(async () => {
  await session?.close();
  await workers?.stop();
  await api?.close();
  await model?.close();
});

describe('the AI screens in Chromium', () => {
  afterEach(() => {
    expect(pageErrors.splice(0)).toEqual([]);
  });

  it('lets the owner set the provider, the key written but never shown, and hides the form from an admin', async () => {
    await session.signIn();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'AI' }).click();
    await page.getByRole('heading', { name: 'AI provider' }).waitFor();
    expect(await page.getByTestId('key-state').textContent()).toBe('No key');
    await page.getByLabel('Base URL').fill(model.url);
    await page.getByLabel('Model').fill('local-ui-model');
    await page.getByLabel('API key').fill(providerKey);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').getByText('Saved').waitFor();
    expect(await page.getByTestId('key-state').textContent()).toBe('Key set');
    expect(await page.getByLabel('API key').inputValue()).toBe('');
    expect(await page.getByLabel('Use this provider').isChecked()).toBe(false);
    await session.expectAccessible('settings');

    const row = await api.platform.db.selectFrom('ai_settings').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ enabled: false, base_url: model.url, model: 'local-ui-model' });
    expect(JSON.stringify(row)).not.toContain(providerKey);
    expect(openAiProviderKey(api.platform.secrets, row)).toBe(providerKey);

    await page.reload();
    await page.getByRole('heading', { name: 'AI provider' }).waitFor();
    expect(await page.getByTestId('key-state').textContent()).toBe('Key set');
    expect(await page.content()).not.toContain(providerKey);

    const admin = await (await session.browser.newContext({ viewport: viewports.laptop })).newPage();
    await session.signInAs(admin, adminToken);
    const nav = admin.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Audit log' }).waitFor();
    expect(await nav.getByRole('link', { name: 'AI' }).count()).toBe(0);
    await admin.context().close();
  });

  it('analyses an issue with the built-in engine: cause, evidence, fix, and a refresh', async () => {
    await page.goto(`${baseUrl}/issues/${issueId}`);
    await page.getByRole('heading', { name: 'connect ECONNREFUSED 127.0.0.1:5432' }).waitFor();
    await page.getByRole('button', { name: 'Analyze', exact: true }).click();
    const analysis = page.getByTestId('analysis');
    await analysis.getByText('A connection to another service was refused').waitFor();
    await analysis.getByText(/localhost: inside a container/).waitFor();
    expect(await page.getByRole('list', { name: 'Evidence' }).textContent()).toContain('ECONNREFUSED 127.0.0.1:5432');
    expect(await analysis.getByTestId('ai-engine').textContent()).toContain('built-in engine');
    await session.expectAccessible('analysis');
    const first = await api.platform.db.selectFrom('error_groups').select('ai_analyzed_at').where('id', '=', issueId).executeTakeFirstOrThrow();
    expect(first.ai_analyzed_at).not.toBeNull();

    // Stored: a reload shows it without asking again; "Analyze again" runs it anew.
    await page.reload();
    await page.getByTestId('analysis').getByText('A connection to another service was refused').waitFor();
    await page.getByRole('button', { name: 'Analyze again' }).click();
    await expect
      .poll(async () => (await api.platform.db.selectFrom('error_groups').select('ai_analyzed_at').where('id', '=', issueId).executeTakeFirstOrThrow()).ai_analyzed_at?.getTime())
      .toBeGreaterThan(first.ai_analyzed_at!.getTime());
  });

  it('streams the built-in answer into the chat panel, naming its engine', async () => {
    await page.goto(`${baseUrl}/issues/${issueId}`);
    await page.getByLabel('Question').fill('Why is this issue happening?');
    await page.getByRole('button', { name: 'Ask' }).click();
    const answer = page.getByTestId('chat-answer').last();
    await expect.poll(() => answer.getAttribute('aria-busy')).toBe('false');
    const text = (await answer.textContent()) ?? '';
    expect(text).toContain(builtinLabel);
    expect(text).toContain('ECONNREFUSED');
    await page.getByRole('list', { name: 'Conversation' }).getByTestId('ai-engine').getByText(/built-in engine/).waitFor();
    await session.expectAccessible('chat');
    // The conversation is the API's: a reload opens on it.
    await page.reload();
    const conversation = page.getByRole('list', { name: 'Conversation' });
    await conversation.getByText('Why is this issue happening?').waitFor();
    expect(await conversation.getByTestId('chat-answer').last().textContent()).toBe(text);
  });

  it("streams a model's tokens into the chat panel as they come, and Stop aborts the answer up to the model", async () => {
    const owner = { authorization: `Bearer ${api.ownerToken}` };
    const response = await page.request.patch(`${baseUrl}/api/v1/ai/settings`, { headers: owner, data: { enabled: true } });
    expect(response.status(), await response.text()).toBe(200);
    const chatsAudited = async () => (await api.platform.db.selectFrom('audit_logs').select('details').where('action', '=', 'ai.chat').orderBy('created_at').execute()).map((row) => row.details);
    const auditedBefore = (await chatsAudited()).length;
    const abandonedBefore = model.abandoned();
    const askedBefore = model.received.length;
    try {
      // Thirty seconds of answer if nobody stops it.
      model.answerWith({ chunks: ['The database ', 'refuses ', 'connections ', 'because ', ...Array.from({ length: 200 }, (_, index) => `word${index} `)], intervalMs: 150 });
      await page.goto(`${baseUrl}/services/${serviceId}`);
      await page.getByLabel('Question').fill('Is it healthy?');
      await page.getByRole('button', { name: 'Ask' }).click();
      const answer = page.getByTestId('chat-answer').last();
      await answer.getByText('The database refuses').waitFor();
      // Tokens arrive one by one: the answer grows while the stream is open.
      const early = (await answer.textContent()) ?? '';
      await expect.poll(async () => ((await answer.textContent()) ?? '').length).toBeGreaterThan(early.length);
      expect(await answer.getAttribute('aria-busy')).toBe('true');
      await page.getByRole('button', { name: 'Stop' }).click();
      await page.getByText('Stopped.').waitFor();
      expect(await answer.getAttribute('aria-busy')).toBe('false');
      await page.getByRole('button', { name: 'Ask' }).waitFor();
      const stopped = (await answer.textContent()) ?? '';
      expect(stopped).not.toContain('word199');
      // The browser's abort reached the model: the local server saw its stream's connection closed
      // long before the answer's end, and the API, done with the chat (its audit written as the
      // stream ended, with no engine as none finished), asked nothing more: no retry, no fallback.
      await expect.poll(() => model.abandoned()).toBe(abandonedBefore + 1);
      await expect.poll(async () => (await chatsAudited()).length).toBe(auditedBefore + 1);
      expect((await chatsAudited()).at(-1)).toMatchObject({ engine: null, message_chars: 'Is it healthy?'.length });
      expect(model.received.length).toBe(askedBefore + 1);
      expect(model.received.at(-1)!.headers.authorization).toBe(`Bearer ${providerKey}`);
      // Nothing reached the panel after Stop, and an unfinished answer is not kept as history.
      expect(await answer.textContent()).toBe(stopped);
      const history = await page.request.get(`${baseUrl}/api/v1/ai/chat/history?service_id=${serviceId}`, { headers: owner });
      expect(JSON.stringify(await history.json())).not.toContain('Is it healthy?');
    } finally {
      await page.request.patch(`${baseUrl}/api/v1/ai/settings`, { headers: owner, data: { enabled: false } });
    }
  });

  it('shows recommendations on the service page', async () => {
    await page.goto(`${baseUrl}/services/${serviceId}`);
    const list = page.getByTestId('recommendations');
    await list.locator('[data-kind="health_check_missing"]').getByText('No health check').waitFor();
    await session.expectAccessible('service');
  });

  it('generates a Dockerfile from the files the user picks in the service form, to copy', async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'syntra-ai-ui-'));
    onTestFinished(() => rm(folder, { recursive: true, force: true }));
    const files = [path.join(folder, 'package.json'), path.join(folder, 'package-lock.json')];
    await writeFile(files[0]!, JSON.stringify({ name: 'web', scripts: { start: 'node server.js' } }));
    await writeFile(files[1]!, '{"lockfileVersion":3}');
    await page.goto(`${baseUrl}/services/${serviceId}/edit`);
    await page.getByLabel('Git URL').fill('https://github.com/example/web');
    await page.getByLabel('Manifest files').setInputFiles(files);
    await page.getByTestId('picked-files').getByText('package.json, package-lock.json').waitFor();
    await page.getByRole('button', { name: 'Generate Dockerfile' }).click();
    const generated = page.getByTestId('generated-dockerfile');
    await generated.getByText('node-npm').waitFor();
    // A service built from the repository may accept it; this one only copies it.
    expect(await generated.getByRole('button', { name: 'Accept' }).count()).toBe(1);
    await generated.getByRole('button', { name: 'Copy' }).click();
    await generated.getByRole('button', { name: 'Copied' }).waitFor();
    const dockerfile = await page.evaluate(() => navigator.clipboard.readText());
    expect(dockerfile).toMatch(/^FROM node/);
    expect(dockerfile).toContain('npm ci');
    const diff = page.getByLabel('Dockerfile changes');
    expect(await diff.locator('[data-kind="added"]').allTextContents()).toEqual(dockerfile.replace(/\n$/, '').split('\n').map((line) => `+ ${line}\n`));
    expect(await page.getByTestId('diff-summary').textContent()).toContain('No current Dockerfile');
    await session.expectAccessible('dockerfile');
  });

  it("shows the model's Dockerfile as a diff against the repository's, Accept keeps exactly that text as the service's inline Dockerfile, and clearing it goes back to the file", async () => {
    const owner = { authorization: `Bearer ${api.ownerToken}` };
    const buildSettings = { branch: 'release', build_context: 'web', target: 'run', build_args: { MODE: 'prod' } };
    const changed = await api.app.inject({
      method: 'PATCH',
      url: `/api/v1/services/${serviceId}`,
      headers: owner,
      payload: { port: 3000, source_type: 'dockerfile', source_config: { dockerfile_path: 'Dockerfile', ...buildSettings } },
    });
    expect(changed.statusCode, changed.body).toBe(200);
    // The organization's model writes its own Dockerfile, unlike the built-in template: it is what must be built.
    const modelDockerfile = ['FROM node:20-slim AS run', 'WORKDIR /app', 'COPY package*.json ./', 'RUN npm ci --omit=dev', 'COPY . .', 'USER node', 'CMD ["node", "server.js"]', ''].join('\n');
    model.answerWith({ content: JSON.stringify({ dockerfile: modelDockerfile, explanation: 'Adapted to server.js, without dev dependencies.' }) });
    const enabled = await api.app.inject({ method: 'PATCH', url: '/api/v1/ai/settings', headers: owner, payload: { enabled: true } });
    expect(enabled.statusCode, enabled.body).toBe(200);
    try {
      const folder = await mkdtemp(path.join(tmpdir(), 'syntra-ai-ui-'));
      onTestFinished(() => rm(folder, { recursive: true, force: true }));
      const files = { 'package.json': JSON.stringify({ name: 'web', scripts: { start: 'node server.js' } }), 'package-lock.json': '{"lockfileVersion":3}', Dockerfile: 'FROM busybox\nCMD ["httpd", "-f"]\n' };
      for (const [name, text] of Object.entries(files)) await writeFile(path.join(folder, name), text);
      expect(generateDockerfile(files)?.dockerfile).not.toBe(modelDockerfile);
      await page.goto(`${baseUrl}/services/${serviceId}/edit`);
      await expect.poll(() => page.getByLabel('Built from').inputValue()).toBe('dockerfile');
      expect(await page.getByLabel('Dockerfile', { exact: true }).inputValue()).toBe('repository');
      await page.getByLabel('Git URL').fill('https://github.com/example/web');
      await page.getByLabel('Manifest files').setInputFiles(Object.keys(files).map((name) => path.join(folder, name)));
      await page.getByTestId('picked-files').getByText('Dockerfile').waitFor();

      // Discard drops the proposal and changes nothing.
      await page.getByRole('button', { name: 'Generate Dockerfile' }).click();
      await page.getByRole('button', { name: 'Discard' }).click();
      expect(await page.getByTestId('generated-dockerfile').count()).toBe(0);
      expect(await page.getByLabel('Built from').inputValue()).toBe('dockerfile');

      await page.getByRole('button', { name: 'Generate Dockerfile' }).click();
      const diff = page.getByLabel('Dockerfile changes');
      await diff.waitFor();
      expect(await page.getByTestId('generated-dockerfile').getByTestId('ai-engine').textContent()).toContain('Answered by the model');
      expect(await diff.locator('del').allTextContents()).toEqual(['- FROM busybox\n', '- CMD ["httpd", "-f"]\n']);
      const added = await diff.locator('ins').allTextContents();
      expect(await page.getByTestId('diff-summary').textContent()).toBe(`${added.length} lines added, 2 removed.`);
      const shown = added.map((line) => line.slice(2)).join('');
      expect(shown).toBe(modelDockerfile);
      await session.expectAccessible('dockerfile-diff');

      // By keyboard: the diff is focusable to scroll, then Tab reaches Accept.
      await diff.focus();
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Accept');
      await page.keyboard.press('Enter');
      await page.getByTestId('dockerfile-accepted').getByText('node-npm').waitFor();
      expect(await page.getByLabel('Built from').inputValue()).toBe('dockerfile');
      expect(await page.getByLabel('Dockerfile', { exact: true }).inputValue()).toBe('inline');
      expect(await page.getByLabel('Inline Dockerfile').inputValue()).toBe(shown);
      expect(await page.getByLabel('Dockerfile path').count()).toBe(0);
      await session.expectAccessible('dockerfile-accepted');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.waitForURL(`${baseUrl}/services/${serviceId}`);

      const saved = async () => (await api.app.inject({ method: 'GET', url: `/api/v1/services/${serviceId}`, headers: owner })).json().data;
      const inline = await saved();
      expect(inline).toMatchObject({ source_type: 'dockerfile', source_config: { ...buildSettings, dockerfile_content: shown } });
      expect(inline.source_config).not.toHaveProperty('dockerfile_path');

      // The service page says it builds an inline Dockerfile, and shows it.
      expect(await page.getByTestId('dockerfile-source').textContent()).toBe('Inline, kept with the service, context web');
      await page.getByText('The inline Dockerfile this service builds').click();
      expect(await page.getByLabel('Inline Dockerfile').textContent()).toBe(shown);
      await session.expectAccessible('service-inline-dockerfile');

      // Cleared in the form: the service builds the repository's file again.
      await page.getByRole('link', { name: 'Edit settings' }).click();
      await expect.poll(() => page.getByLabel('Dockerfile', { exact: true }).inputValue()).toBe('inline');
      await page.getByLabel('Dockerfile', { exact: true }).selectOption('repository');
      expect(await page.getByLabel('Dockerfile path').inputValue()).toBe('');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.waitForURL(`${baseUrl}/services/${serviceId}`);
      await page.getByTestId('dockerfile-source').getByText('./Dockerfile, context web').waitFor();
      expect(await page.getByText('The inline Dockerfile this service builds').count()).toBe(0);
      const cleared = await saved();
      expect(cleared).toMatchObject({ source_type: 'dockerfile', source_config: { ...buildSettings, dockerfile_path: './Dockerfile' } });
      expect(cleared.source_config).not.toHaveProperty('dockerfile_content');
    } finally {
      await api.app.inject({ method: 'PATCH', url: '/api/v1/ai/settings', headers: owner, payload: { enabled: false } });
    }
  });
});
