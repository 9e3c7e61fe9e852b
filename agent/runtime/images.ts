import type Docker from 'dockerode';
import type { ImageReference, RegistryAuth } from '../../contracts/index.js';
import { AgentError, messageOf } from '../errors.js';
import { imageReference } from './service-spec.js';

/* Docker reports per-layer download and extraction; downloading is most of the wait. */
const DOWNLOAD_SHARE = 0.8;

interface PullEvent {
  id?: string;
  status?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
}

interface LayerProgress {
  downloaded: number;
  extracted: boolean;
}

/** Turns Docker's pull event stream into one 0–1 fraction that never moves backwards. */
class PullProgress {
  private readonly layers = new Map<string, LayerProgress>();
  private reported = 0;

  update(event: PullEvent): number {
    const layer = event.id === undefined ? undefined : this.layerFor(event.id, event.status);
    if (layer) {
      const { current, total } = event.progressDetail ?? {};
      if (event.status === 'Downloading' && current !== undefined && total) layer.downloaded = Math.min(current / total, 1);
      if (event.status === 'Download complete' || event.status === 'Verifying Checksum') layer.downloaded = 1;
      if (event.status === 'Pull complete' || event.status === 'Already exists') {
        layer.downloaded = 1;
        layer.extracted = true;
      }
    }
    if (event.status?.startsWith('Status: ')) this.reported = 1;
    const layers = [...this.layers.values()];
    if (layers.length > 0) {
      const done = layers.reduce((sum, l) => sum + l.downloaded * DOWNLOAD_SHARE + (l.extracted ? 1 - DOWNLOAD_SHARE : 0), 0);
      this.reported = Math.max(this.reported, done / layers.length);
    }
    return this.reported;
  }

  private layerFor(id: string, status: string | undefined): LayerProgress | undefined {
    // The first event per image is "Pulling from <repo>" with the tag as its id, not a layer.
    if (status?.startsWith('Pulling from')) return undefined;
    let layer = this.layers.get(id);
    if (!layer) {
      layer = { downloaded: 0, extracted: false };
      this.layers.set(id, layer);
    }
    return layer;
  }
}

export interface PullOptions {
  signal: AbortSignal;
  /** Called with the overall fraction done, 0 to 1, each time it changes. */
  onProgress: (fraction: number) => void;
}

/**
 * Pulls `registry/repository:tag` with the deploy's credentials (always, even when the tag is
 * local: a tag can move and the registry decides whether the credentials are good), then checks
 * the pinned digest. Returns the reference to create containers from.
 */
export async function pullImage(
  docker: Docker,
  image: ImageReference,
  auth: RegistryAuth | null,
  options: PullOptions,
): Promise<string> {
  const reference = imageReference(image);
  const authconfig = auth ? { username: auth.username, password: auth.password, serveraddress: image.registry } : undefined;
  const progress = new PullProgress();
  try {
    const stream = await docker.pull(reference, { authconfig, abortSignal: options.signal });
    const events = await new Promise<PullEvent[]>((resolve, reject) => {
      docker.modem.followProgress(
        stream,
        (error: Error | null, output: PullEvent[]) => (error ? reject(error) : resolve(output)),
        (event: PullEvent) => options.onProgress(progress.update(event)),
      );
      options.signal.addEventListener('abort', () => reject(options.signal.reason), { once: true });
    });
    const failure = events.find((event) => event.error !== undefined);
    if (failure) throw new Error(failure.error);
  } catch (error) {
    if (options.signal.aborted) throw options.signal.reason;
    throw new AgentError('PULL_FAILED', `Pulling ${reference} failed: ${messageOf(error).trim()}`);
  }
  options.onProgress(1);
  if (image.digest !== undefined) await verifyDigest(docker, reference, image);
  return reference;
}

async function verifyDigest(docker: Docker, reference: string, image: ImageReference): Promise<void> {
  const repository = `${image.registry}/${image.repository}`;
  const inspected = await docker.getImage(reference).inspect();
  const digests = (inspected.RepoDigests ?? [])
    .filter((entry) => entry.startsWith(`${repository}@`))
    .map((entry) => entry.slice(repository.length + 1));
  if (!digests.includes(image.digest!)) {
    throw new AgentError(
      'DIGEST_MISMATCH',
      `${reference} has digest ${digests.join(', ') || '(none)'}, but the deploy pins ${image.digest}: ` +
        'the tag was moved or the registry served another image',
      { expected: image.digest, actual: digests },
    );
  }
}
