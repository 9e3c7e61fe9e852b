import { z } from 'zod';
import {
  AiAnalysis,
  AiRecommendation,
  AiSettings,
  AnalyzeErrorRequest,
  ChatDoneEvent,
  ChatErrorEvent,
  ChatHistoryEntry,
  ChatHistoryQuery,
  ChatRequest,
  ChatTokenEvent,
  GeneratedDockerfile,
  GenerateDockerfileRequest,
  UpdateAiSettings,
} from './ai.js';
import { ServiceParams } from './queries.js';
import { v1, type ApiRoute } from './route.js';

/** Contract section 2.3 "AI", and the organization's provider setting (beyond the contract). */
export const aiRoutes = [
  {
    method: 'POST', path: v1('/ai/analyze-error'), operationId: 'analyzeError',
    summary: "Analyse an issue: likely cause, evidence and fix, stored on the issue (cached unless force_refresh); runs as a Temporal activity, 503 when it does not finish in time",
    tags: ['ai'], body: AnalyzeErrorRequest, response: AiAnalysis, successStatus: 200, errors: ['NOT_FOUND', 'SERVICE_UNAVAILABLE'],
  },
  {
    method: 'POST', path: v1('/ai/generate-dockerfile'), operationId: 'generateDockerfile',
    summary: 'A Dockerfile for the stack detected from the given files (or framework_hint)',
    tags: ['ai'], body: GenerateDockerfileRequest, response: GeneratedDockerfile, successStatus: 200, errors: ['UNPROCESSABLE'],
  },
  {
    method: 'POST', path: v1('/ai/chat'), operationId: 'aiChat',
    summary: "Ask about the organization's services, deployments and issues; the answer streams as Server-Sent Events",
    tags: ['ai'], body: ChatRequest, response: null, successStatus: 200, errors: ['NOT_FOUND'],
    eventStream: { token: ChatTokenEvent, done: ChatDoneEvent, error: ChatErrorEvent },
  },
  {
    method: 'GET', path: v1('/ai/chat/history'), operationId: 'getAiChatHistory',
    summary: "The caller's own answered questions about this context (service, project, issue or none), oldest first, the last 20",
    tags: ['ai'], query: ChatHistoryQuery, response: z.array(ChatHistoryEntry), successStatus: 200,
  },
  {
    method: 'GET', path: v1('/ai/recommendations/{serviceId}'), operationId: 'getAiRecommendations',
    summary: "What to change in a service, from its own metrics, traces, issues and deployments",
    tags: ['ai'], params: ServiceParams, response: z.array(AiRecommendation), successStatus: 200,
  },
  {
    method: 'GET', path: v1('/ai/settings'), operationId: 'getAiSettings',
    summary: "The organization's model provider (the API key is never returned)", tags: ['ai'],
    response: AiSettings, successStatus: 200,
  },
  {
    method: 'PATCH', path: v1('/ai/settings'), operationId: 'updateAiSettings',
    summary: "Change the organization's model provider (owners only); nothing is sent to a provider until it is enabled",
    tags: ['ai'], body: UpdateAiSettings, response: AiSettings, successStatus: 200, errors: ['UNPROCESSABLE'],
  },
] as const satisfies readonly ApiRoute[];
