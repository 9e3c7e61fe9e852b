import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { detectorFiles, generateDockerfile, type GeneratedFile } from '../../contracts/build/detector.js';
import { AgentError } from '../errors.js';

/*
 * A nixpacks service's Dockerfile: the project's detector run on the build context of the checkout.
 * Only the files it names are looked at, and a manifest larger than a manifest can be is not read
 * (a checkout is the user's content).
 */

const maxManifestBytes = 256 * 1024;

async function presentFile(file: string): Promise<boolean> {
  return stat(file).then(
    (found) => found.isFile(),
    () => false,
  );
}

export async function detectedDockerfile(context: string): Promise<GeneratedFile> {
  const files: Record<string, string> = {};
  for (const name of detectorFiles.read) {
    const file = path.join(context, name);
    if (!(await presentFile(file))) continue;
    if ((await stat(file)).size > maxManifestBytes) throw new AgentError('BUILD_FAILED', `${name} is larger than ${maxManifestBytes / 1024} KiB; the detector does not read it`);
    files[name] = await readFile(file, 'utf8');
  }
  for (const name of detectorFiles.present) if (await presentFile(path.join(context, name))) files[name] = '';
  const generated = generateDockerfile(files);
  if (!generated) {
    throw new AgentError(
      'BUILD_FAILED',
      'The detector recognised no stack (Node, Python, Go, Ruby, Rust or a static site with index.html) in the repository; add a Dockerfile and use the dockerfile source',
    );
  }
  return generated;
}
