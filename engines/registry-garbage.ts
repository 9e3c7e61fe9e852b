import { execFile } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { RunningRegistry } from './registry.js';

/*
 * The garbage collector of the registry this platform runs (`syntra dev`). Deleting a manifest
 * (the retention of built images) frees no disk; `docker-registry garbage-collect` does, by
 * marking every blob a manifest still names and deleting the rest. A push while it runs could
 * have its fresh layers swept before its manifest names them, so the registry is restarted
 * read-only first: pulls keep working, pushes are refused until it is restarted read-write.
 * `--delete-untagged` also sweeps the manifests no tag names any more; every image this
 * platform pushes is tagged (services/<id>:<deployment>), and deploys pin tagged digests.
 */

const run = promisify(execFile);
const outputMaxBytes = 16 * 1024 * 1024;

export interface GarbageCollection {
  /** Bytes under the registry's storage before and after. */
  beforeBytes: number;
  afterBytes: number;
  /** As the collector counted them (blobs include manifests' own blobs). */
  blobsDeleted: number;
  manifestsDeleted: number;
  durationMs: number;
}

export async function collectRegistryGarbage(registry: RunningRegistry): Promise<GarbageCollection> {
  const began = Date.now();
  const beforeBytes = await diskUse(registry.storageDirectory);
  await registry.restart({ readOnly: true });
  let output: string;
  try {
    output = (await run('docker-registry', ['garbage-collect', '--delete-untagged', registry.configFile], { maxBuffer: outputMaxBytes })).stdout;
  } finally {
    // Read-write again whatever the collector did: a registry left read-only fails every build.
    await registry.restart({ readOnly: false });
  }
  const counted = /(\d+) blobs and (\d+) manifests eligible for deletion/.exec(output);
  return {
    beforeBytes,
    afterBytes: await diskUse(registry.storageDirectory),
    blobsDeleted: Number(counted?.[1] ?? 0),
    manifestsDeleted: Number(counted?.[2] ?? 0),
    durationMs: Date.now() - began,
  };
}

/** The bytes of every file under `directory`. */
export async function diskUse(directory: string): Promise<number> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  const sizes = await Promise.all(entries.filter((entry) => entry.isFile()).map(async (entry) => (await stat(path.join(entry.parentPath, entry.name))).size));
  return sizes.reduce((sum, size) => sum + size, 0);
}
