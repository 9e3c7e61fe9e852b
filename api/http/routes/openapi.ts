import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import { API_PREFIX, buildOpenApiDocument } from '../../../contracts/index.js';
import { contentSecurityPolicyFor } from '../security-headers.js';

/*
 * The OpenAPI document, and an interactive page that renders it. The page is Swagger UI served
 * from the `swagger-ui-dist` package on disk: nothing is fetched from a CDN, so the docs work on a
 * control plane without internet access, and the page's Content-Security-Policy holds it to its
 * own origin.
 */

const documentPath = `${API_PREFIX}/openapi.json`;
const docsPath = `${API_PREFIX}/docs`;

/** The files of swagger-ui-dist the page uses, by the name it requests them under. */
const swaggerAssets = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
} as const;
type SwaggerAsset = keyof typeof swaggerAssets;

const assetMaxAgeSeconds = 3600;

const docsPolicy = contentSecurityPolicyFor({
  'default-src': ["'none'"],
  'script-src': ["'self'"],
  // Swagger UI sets style attributes from script.
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
});

const page = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Syntra API</title>
  <link rel="stylesheet" href="${docsPath}/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${docsPath}/swagger-ui-bundle.js"></script>
  <script src="${docsPath}/init.js"></script>
</body>
</html>
`;

// validatorUrl null: Swagger UI would otherwise send the document to validator.swagger.io.
const initScript = `window.ui = SwaggerUIBundle({
  url: ${JSON.stringify(documentPath)},
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  persistAuthorization: false,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
});
`;

const swaggerDir = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

export const openApiRoutes: FastifyPluginAsync = async (app) => {
  const document = buildOpenApiDocument();
  app.get(documentPath, async () => document);

  app.get(docsPath, docsPolicy, async (_request, reply) => reply.type('text/html; charset=utf-8').send(page));

  app.get(`${docsPath}/init.js`, async (_request, reply) => reply.type(swaggerAssets['swagger-ui-bundle.js']).send(initScript));

  const loaded = new Map<SwaggerAsset, Promise<Buffer>>();
  for (const [name, contentType] of Object.entries(swaggerAssets) as [SwaggerAsset, string][]) {
    app.get(`${docsPath}/${name}`, async (_request, reply) => {
      if (!loaded.has(name)) loaded.set(name, readFile(path.join(swaggerDir, name)));
      return reply.type(contentType).header('cache-control', `public, max-age=${assetMaxAgeSeconds}`).send(await loaded.get(name)!);
    });
  }
};
