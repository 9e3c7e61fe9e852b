import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostDeclaredVersions } from './host-toolchains.js';

/*
 * The sample apps of tests/builds/samples/: each a tiny HTTP server with no dependency outside its
 * language's standard library, answering /health with "ok" and every other path with its marker.
 * Their files carry placeholders: {{MARKER}} (unique to a run, so what answers was built in it),
 * and the Node major and Go version they declare (the host's, which their base images are made of).
 */

const samplesDirectory = path.join(path.dirname(fileURLToPath(import.meta.url)), 'samples');

export const sampleApps = ['node-npm', 'node-npm-unlocked', 'python-pip', 'go', 'rust', 'static'] as const;
export type SampleApp = (typeof sampleApps)[number];

/** A sample's files (path → text), placeholders filled. */
export async function sampleFiles(app: SampleApp, marker: string): Promise<Record<string, string>> {
  const { nodeMajor, goVersion } = await hostDeclaredVersions();
  const directory = path.join(samplesDirectory, app);
  const files: Record<string, string> = {};
  for (const entry of await readdir(directory, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const text = await readFile(file, 'utf8');
    files[path.relative(directory, file)] = text.replaceAll('{{MARKER}}', marker).replaceAll('{{NODE_MAJOR}}', nodeMajor).replaceAll('{{GO_VERSION}}', goVersion);
  }
  return files;
}
