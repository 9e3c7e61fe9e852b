import type { FastifyPluginAsync } from 'fastify';
import { issueById } from '../../../../db/queries/issues.js';
import { serviceById } from '../../../../db/queries/services.js';
import { runIssueAnalysis } from '../../../../control/ai/analysis-runs.js';
import { answerChat, groundChat } from '../../../../control/ai/chat.js';
import { chatHistory, rememberExchange } from '../../../../control/ai/chat-history.js';
import { dockerfileFor } from '../../../../control/ai/dockerfile.js';
import { recommendationsFor } from '../../../../control/ai/recommendations.js';
import { recordAudit } from '../../../../control/audit.js';
import { scopeOf } from '../../../../control/caller.js';
import { ApiProblem } from '../../../../control/problem.js';
import type { Platform } from '../../../../control/platform.js';
import { AiAnalysis, type AiEngine } from '../../../../contracts/index.js';
import { auditedTokens, metered, usageSoFar } from '../../../../control/ai/usage.js';
import { stacks as dockerfileStacks } from '../../../../contracts/build/detector.js';
import { defineRoute, registryRoute } from '../../routing.js';
import { aiSettingsRoutes } from './settings.js';
import { streamEvents } from './event-stream.js';

/** Contract section 2.3 "AI": validate, authorise, delegate to control/ai/. */
/** `limitAiCalls`: the organization's AI limit (api/app.ts), shared with incidents' summaries by a model. */
export const aiRoutes: FastifyPluginAsync<{ platform: Platform; limitAiCalls: (orgId: string) => Promise<void> }> = async (app, { platform, limitAiCalls }) => {
  const { db } = platform;
  await app.register(aiSettingsRoutes, { platform });

  defineRoute(app, registryRoute('analyzeError'), { permission: 'ai.use' }, async ({ body, caller, request }) => {
    const issue = await issueById(db, scopeOf(caller), body.issue_id);
    if (!issue) throw new ApiProblem('NOT_FOUND', `No issue ${body.issue_id} in this organization`);
    if (issue.ai_analysis && !body.force_refresh) {
      const cached = AiAnalysis.safeParse(issue.ai_analysis);
      if (cached.success) return cached.data;
    }
    await limitAiCalls(caller.orgId);
    const run = await runIssueAnalysis(platform, issue.id, caller.orgId);
    const stored = await issueById(db, scopeOf(caller), issue.id);
    const analysis = AiAnalysis.parse(stored?.ai_analysis);
    await recordAudit(db, request, caller, {
      action: 'ai.analyze_error',
      resourceType: 'issue',
      resourceId: issue.id,
      details: { engine: run.engine, model: run.model, category: analysis.category, force_refresh: body.force_refresh, tokens: auditedTokens(run.usage) },
    });
    return analysis;
  });

  defineRoute(app, registryRoute('generateDockerfile'), { permission: 'ai.use' }, async ({ body, caller, request }) => {
    await limitAiCalls(caller.orgId);
    const { value: generated, usage } = await metered(() => dockerfileFor(platform, request.log, caller.orgId, body));
    if (!generated) {
      throw new ApiProblem('UNPROCESSABLE', `No known stack in the files given: send the repository's manifest files in files, or a framework_hint (${dockerfileStacks.join(', ')})`, {
        details: [{ path: 'body.files', message: 'no package.json, requirements.txt, pyproject.toml, go.mod, Gemfile, Cargo.toml or index.html' }],
      });
    }
    await recordAudit(db, request, caller, {
      action: 'ai.generate_dockerfile',
      resourceType: 'organization',
      resourceId: caller.orgId,
      details: { repo_url: body.repo_url, stack: generated.stack, engine: generated.engine, tokens: auditedTokens(usage) },
    });
    return generated;
  });

  defineRoute(app, registryRoute('aiChat'), { permission: 'ai.use' }, async ({ body, caller, request, reply }) => {
    const grounding = await groundChat(platform, scopeOf(caller), body.context);
    await limitAiCalls(caller.orgId);
    await metered(() =>
      streamEvents(request, reply, async function* (signal) {
        let engine: AiEngine | null = null;
        let answer = '';
        try {
          for await (const event of answerChat(platform, request.log, scopeOf(caller), body.message, grounding, signal)) {
            if (event.event === 'token') answer += event.data.content;
            if (event.event === 'done') {
              engine = event.data.engine;
              // Stored before `done` is sent, so a panel reloaded on it finds the exchange.
              await rememberExchange(db, caller, body.context, { messageId: event.data.message_id, question: body.message, answer, engine, sources: event.data.sources });
            }
            yield event;
          }
        } finally {
          // Audited as the answer ends (cancelled or not) and before the stream closes, with its engine and tokens; the chat's length, not its text.
          await recordAudit(db, request, caller, {
            action: 'ai.chat',
            resourceType: 'organization',
            resourceId: caller.orgId,
            details: { context: body.context, message_chars: body.message.length, engine, tokens: auditedTokens(usageSoFar()) },
          });
        }
      }),
    );
  });

  defineRoute(app, registryRoute('getAiChatHistory'), { permission: 'ai.use' }, async ({ query, caller }) => chatHistory(db, caller, query));

  defineRoute(app, registryRoute('getAiRecommendations'), { permission: 'read' }, async ({ params, caller }) => {
    const service = await serviceById(db, scopeOf(caller), params.serviceId);
    if (!service) throw new ApiProblem('NOT_FOUND', `No service ${params.serviceId} in this organization`);
    return recommendationsFor(platform, service);
  });
};
