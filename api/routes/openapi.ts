import type { FastifyPluginAsync } from 'fastify';
import { API_PREFIX, buildOpenApiDocument } from '../../contracts/index.js';

/** The OpenAPI document, built once from the same registry the routes validate with. */
export const openApiRoutes: FastifyPluginAsync = async (app) => {
  const document = buildOpenApiDocument();
  app.get(`${API_PREFIX}/openapi.json`, async () => document);
};
