import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ViteDevServer } from 'vite';
import type { Config } from '../../../config/env.js';
import { ApiProblem } from '../../../control/problem.js';
import { appDirectives, contentSecurityPolicyFor, type CspDirectives } from '../security-headers.js';

/*
 * The web UI on the API's own origin, so the session cookie and socket.io need no CORS. Every path
 * that is not the API's is the UI's: a file of the build when one matches, else index.html, which
 * routes in the browser. Registered last, as a wildcard, so every real route wins over it.
 */

export const uiRoot = fileURLToPath(new URL('../../../ui/', import.meta.url));
export const uiDist = path.join(uiRoot, 'dist');

/** Paths the UI never answers for: an unknown API or agent URL stays a JSON 404. */
const reservedPrefixes = ['/api/', '/agent/', '/socket.io/'];

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

// Vite names every file under assets/ by its content hash: a new build is a new URL.
const immutableCache = 'public, max-age=31536000, immutable';

const notBuiltPage = `<!doctype html><meta charset="utf-8"><title>Syntra</title>
<p>The web UI is not built. Run <code>npm run build:ui</code>, or start <code>syntra dev</code>, which serves it with hot reload.</p>
<p>The API is at <a href="/api/v1/docs">/api/v1/docs</a>.</p>`;

function isReserved(urlPath: string): boolean {
  return reservedPrefixes.some((prefix) => urlPath === prefix.slice(0, -1) || urlPath.startsWith(prefix));
}

/** The build's file for a URL path, or null; never a file outside the build folder. */
async function builtFile(urlPath: string): Promise<string | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  const file = path.resolve(uiDist, `.${path.posix.normalize(decoded)}`);
  if (!file.startsWith(`${uiDist}${path.sep}`)) return null;
  const found = await stat(file).catch(() => null);
  return found?.isFile() ? file : null;
}

async function sendBuilt(request: FastifyRequest, reply: FastifyReply) {
  const urlPath = request.url.split('?')[0]!;
  const file = await builtFile(urlPath);
  if (file) {
    const extension = path.extname(file);
    reply.header('content-type', contentTypes[extension] ?? 'application/octet-stream');
    reply.header('cache-control', urlPath.startsWith('/assets/') ? immutableCache : 'no-cache');
    return reply.send(await readFile(file));
  }
  // An old build's asset is gone for good: index.html in its place would fail as a script anyway.
  if (urlPath.startsWith('/assets/')) throw new ApiProblem('NOT_FOUND', `No file ${urlPath} in this build of the UI; reload the page`);
  const index = await readFile(path.join(uiDist, 'index.html')).catch(() => null);
  reply.header('content-type', contentTypes['.html']!).header('cache-control', 'no-cache');
  if (!index) return reply.code(503).send(notBuiltPage);
  return reply.send(index);
}

type UiHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown> | void;

/**
 * What Vite's dev page needs beyond the built UI's policy: the inline preamble of
 * @vitejs/plugin-react (allowed by its hash, as Vite renders it now), and the <style> elements
 * Vite's client injects for the CSS it serves. The hot-reload socket is on the same origin as socket.io's.
 */
async function devDirectives(vite: ViteDevServer, publicUrl: string): Promise<CspDirectives> {
  const html = await vite.transformIndexHtml('/', await readFile(path.join(uiRoot, 'index.html'), 'utf8'));
  const inlineScripts = [...html.matchAll(/<script\b(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)].map((match) => match[1]!);
  const hashes = inlineScripts.map((script) => `'sha256-${createHash('sha256').update(script).digest('base64')}'`);
  const app = appDirectives(publicUrl);
  return { ...app, 'script-src': [...app['script-src']!, ...hashes], 'style-src': [...app['style-src']!, "'unsafe-inline'"] };
}

/** Vite in middleware mode, sharing the API's HTTP server for hot reload. */
async function viteHandler(app: FastifyInstance, publicUrl: string): Promise<{ serve: UiHandler; directives: CspDirectives }> {
  // Imported only here: vite is a development dependency, absent from a production install.
  const { createServer } = await import('vite');
  const vite = await createServer({
    configFile: path.join(uiRoot, 'vite.config.ts'),
    server: { middlewareMode: true, hmr: { server: app.server } },
    appType: 'spa',
  });
  // Before the server closes, which waits for every connection: the hot-reload socket would hold it.
  app.addHook('preClose', async () => vite.close());
  const serve = (request: FastifyRequest, reply: FastifyReply) => {
    reply.hijack();
    vite.middlewares(request.raw, reply.raw, () => {
      reply.raw.statusCode = 404;
      reply.raw.end();
    });
  };
  return { serve, directives: await devDirectives(vite, publicUrl) };
}

export async function registerUi(app: FastifyInstance, config: Pick<Config, 'SYNTRA_UI' | 'publicUrl'>): Promise<void> {
  const dev = config.SYNTRA_UI === 'dev' ? await viteHandler(app, config.publicUrl) : null;
  const serve: UiHandler = dev?.serve ?? sendBuilt;
  app.get('/*', dev ? contentSecurityPolicyFor(dev.directives) : {}, async (request, reply) => {
    const urlPath = request.url.split('?')[0]!;
    if (isReserved(urlPath)) throw new ApiProblem('NOT_FOUND', `No route ${request.method} ${urlPath}`);
    return serve(request, reply);
  });
}
