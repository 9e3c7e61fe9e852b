import { createHash } from 'node:crypto';
import { mkdir, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { AGENT_VERSION } from '../version.js';

/** A built agent: one file that needs only Node.js, and what identifies it. */
export interface AgentBundle {
  path: string;
  version: string;
  sha256: string;
  bytes: number;
}

const entry = fileURLToPath(new URL('../../cli/agent-entry.ts', import.meta.url));

/*
 * The bundle is ESM, but some dependencies are CommonJS that call `require` or read `__dirname`
 * (dockerode's ssh transport): these give them the values Node gives a CommonJS module.
 */
const commonJsShims = [
  "import { createRequire as __syntraCreateRequire } from 'node:module';",
  "import { fileURLToPath as __syntraFileURLToPath } from 'node:url';",
  "import { dirname as __syntraDirname } from 'node:path';",
  'const require = __syntraCreateRequire(import.meta.url);',
  'const __filename = __syntraFileURLToPath(import.meta.url);',
  'const __dirname = __syntraDirname(__filename);',
].join(' ');

/**
 * Bundles the agent with every dependency into one `.mjs`, stamped with `version`: what
 * `install.sh` puts on a server and `update_agent` swaps in. Native add-ons stay out (optional
 * ones only), and so does ssh2 (see ssh2-unsupported.cjs).
 */
export async function buildAgentBundle(outfile: string, version: string = AGENT_VERSION): Promise<AgentBundle> {
  await mkdir(path.dirname(outfile), { recursive: true });
  // Written beside the target and renamed, so a reader never sees half a bundle.
  const partial = `${outfile}.${process.pid}.partial`;
  await build({
    entryPoints: [entry],
    outfile: partial,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
    external: ['cpu-features', '*.node'],
    alias: { ssh2: fileURLToPath(new URL('./ssh2-unsupported.cjs', import.meta.url)) },
    banner: { js: commonJsShims },
    define: { SYNTRA_AGENT_RELEASE: JSON.stringify(version) },
  });
  await rename(partial, outfile);
  const content = await readFile(outfile);
  return { path: outfile, version, sha256: createHash('sha256').update(content).digest('hex'), bytes: content.length };
}

// `npm run build:agent [outfile] [version]`
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [outfile = 'dist/syntra-agent.mjs', version] = process.argv.slice(2);
  const bundle = await buildAgentBundle(path.resolve(outfile), version);
  process.stdout.write(`${bundle.path}  ${bundle.version}  ${bundle.bytes} bytes  sha256 ${bundle.sha256}\n`);
}
