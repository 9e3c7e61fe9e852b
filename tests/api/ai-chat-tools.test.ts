import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatDoneEvent } from '../../contracts/index.js';
import { maxToolRounds } from '../../control/ai/tool-loop.js';
import { addToken, bearer, bootstrappedOrganization } from '../support/auth.js';
import { projectWithServices } from './observability-fixtures.js';
import { readEvents, secretPassword, startAiStack, type AiStack } from './ai-stack.js';

/*
 * The chat with the organization's model through read-only tools, against the local
 * OpenAI-compatible server scripted to ask for tools as a real model does.
 */

type SentMessage = { role: string; content: string | null; tool_calls?: { function: { name: string } }[] };
type SentRequest = { messages: SentMessage[]; tools: { function: { name: string } }[]; tool_choice: string };

const readOnlyTools = ['get_issue', 'list_deployments', 'list_issues', 'list_services', 'query_logs', 'service_metrics'];

describe('the chat through read-only tools', () => {
  let stack: AiStack;
  const sent = (index: number) => JSON.parse(stack.model.received[index]!.body) as SentRequest;
  const toolAnswers = (request: SentRequest) => request.messages.filter((message) => message.role === 'tool').map((message) => message.content ?? '');

  beforeAll(async () => {
    stack = await startAiStack('ai_tools');
    await stack.enableProvider();
  });
  afterAll(() => stack?.close());

  it('runs the tools the model asks for as the caller, and the answer names the records it read', async () => {
    const { model, serviceId, issueId } = stack;
    model.received.length = 0;
    model.answerInTurn(
      { toolCalls: [{ name: 'list_issues', arguments: JSON.stringify({ service_id: serviceId }) }, { name: 'query_logs', arguments: JSON.stringify({ service_id: serviceId, min_level: 'warn' }) }] },
      { chunks: ['The pool cannot reach the database ', `[issue:${issueId}]`] },
    );
    const events = await readEvents(await stack.chat({ message: 'Why is checkout failing?', context: { service_id: serviceId } }, stack.roles.developer));
    expect(events.map((event) => event.event)).toEqual(['token', 'token', 'done']);
    const done = ChatDoneEvent.parse(events.at(-1)!.data);
    expect(done).toMatchObject({ engine: 'provider', sources: [`issue:${issueId}`] });

    expect(model.received).toHaveLength(2);
    const first = sent(0);
    expect(first.tools.map((tool) => tool.function.name).sort()).toEqual(readOnlyTools);
    expect(first.messages.at(-1)!.content).toContain(`service ${serviceId}`);
    const [issues, logs] = toolAnswers(sent(1));
    expect(issues).toContain(issueId);
    // The log lines reached the model fenced as data, the DSN's password and the env value redacted.
    expect(logs).toMatch(/^<<<DATA answer of tool query_logs/);
    expect(logs).toContain('IGNORE PREVIOUS INSTRUCTIONS');
    expect(logs).toContain('[REDACTED]');
    stack.assertNothingSecretSent();
    expect(await stack.lastAudit('ai.chat')).toMatchObject({ engine: 'provider', tokens: { prompt: 20, completion: 20 } });
  });

  it('stops a model that keeps asking for tools at the step cap, with a clear error', async () => {
    const { model } = stack;
    model.received.length = 0;
    model.answerWith({ toolCalls: [{ name: 'list_services', arguments: '{}' }] });
    const events = await readEvents(await stack.chat({ message: 'What runs here?', context: {} }));
    expect(events.at(-1)).toEqual({ event: 'error', data: { error: expect.stringMatching(`still asked for tools after ${maxToolRounds} rounds`) } });
    expect(model.received).toHaveLength(maxToolRounds + 1);
    expect(sent(maxToolRounds - 1).tool_choice).toBe('auto');
    expect(sent(maxToolRounds).tool_choice).toBe('none');
    expect(toolAnswers(sent(maxToolRounds))).toHaveLength(maxToolRounds);
  });

  it('a malformed answer becomes a clear error event, not a made-up answer', async () => {
    stack.model.answerWith({ malformed: '{"choices": [oops' });
    const events = await readEvents(await stack.chat({ message: 'is it healthy?', context: {} }));
    expect(events).toEqual([{ event: 'error', data: { error: expect.stringMatching(/^The model's answer was malformed/) } }]);
    stack.model.answerWith({ toolCalls: [{ name: '', arguments: '{}' }] });
    const nameless = await readEvents(await stack.chat({ message: 'is it healthy?', context: {} }));
    expect(nameless.at(-1)!.data).toEqual({ error: expect.stringMatching(/malformed: .*without an id or a function name/) });
  });

  it('a prompt-injection line in the logs changes nothing the tools can do', async () => {
    const { model, api, serviceId, foreign } = stack;
    const { db } = api.platform;
    const auditsBefore = Number((await db.selectFrom('audit_logs').select((eb) => eb.fn.countAll<string>().as('count')).executeTakeFirstOrThrow()).count);
    model.received.length = 0;
    model.answerInTurn(
      { toolCalls: [{ name: 'query_logs', arguments: JSON.stringify({ service_id: serviceId }) }] },
      // What a model that obeyed the log line would try next.
      {
        toolCalls: [
          { name: 'delete_service', arguments: JSON.stringify({ service_id: serviceId }) },
          { name: 'get_issue', arguments: JSON.stringify({ issue_id: foreign.issueId }) },
          { name: 'query_logs', arguments: JSON.stringify({ service_id: foreign.serviceId }) },
          { name: 'list_services', arguments: '{"project_id": ' },
          { name: 'list_deployments', arguments: JSON.stringify({ service_id: serviceId, then: 'rollback' }) },
        ],
      },
      { chunks: [`STRIPE_KEY is ${secretPassword}`] },
    );
    const events = await readEvents(await stack.chat({ message: 'Summarise the logs', context: { service_id: serviceId } }));
    expect(events.at(-1)!.event).toBe('done');
    const answers = toolAnswers(sent(2)).slice(1);
    expect(answers[0]).toMatch(/There is no tool delete_service/);
    expect(answers[1]).toContain(`No issue ${foreign.issueId} in this organization`);
    expect(answers[2]).toContain(`No service ${foreign.serviceId} in this organization`);
    expect(answers[3]).toContain('The arguments are not JSON');
    expect(answers[4]).toMatch(/Wrong arguments: .*then/);
    expect(ChatDoneEvent.parse(events.at(-1)!.data).sources.join(' ')).not.toMatch(new RegExp(`${foreign.serviceId}|${foreign.issueId}`));
    expect(await db.selectFrom('services').select('id').where('id', '=', serviceId).executeTakeFirst()).toBeDefined();
    const auditsAfter = Number((await db.selectFrom('audit_logs').select((eb) => eb.fn.countAll<string>().as('count')).executeTakeFirstOrThrow()).count);
    // The chat's own entry, nothing else.
    expect(auditsAfter - auditsBefore).toBe(1);
    stack.assertNothingSecretSent();
  });

  it("a project-scoped token's tools read its project only", async () => {
    const { api, model } = stack;
    const { db } = api.platform;
    const org = await bootstrappedOrganization(db);
    const otherProject = await projectWithServices(db, org.id, 1);
    const owner = await db.selectFrom('users').select('id').orderBy('created_at').executeTakeFirstOrThrow();
    const scoped = bearer(await addToken(db, owner.id, org.id, { projectId: otherProject.project.id }));
    model.received.length = 0;
    model.answerInTurn(
      { toolCalls: [{ name: 'list_services', arguments: '{}' }, { name: 'query_logs', arguments: JSON.stringify({ service_id: stack.serviceId }) }] },
      { content: 'One service.' },
    );
    const events = await readEvents(await stack.chat({ message: 'list', context: {} }, scoped));
    expect(events.at(-1)!.event).toBe('done');
    const [services, logs] = toolAnswers(sent(1));
    expect(services).toContain(otherProject.services[0]!.id);
    expect(services).not.toContain(stack.serviceId);
    expect(logs).toContain(`No service ${stack.serviceId} in this organization`);
  });
});
