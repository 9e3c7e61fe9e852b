import { createRequire } from 'node:module';

/** zstd of one buffer, as `telemetry_batch` carries it (before base64), and its inverse. */
export interface Zstd {
  compress(bytes: Uint8Array): Uint8Array;
  decompress(bytes: Uint8Array): Uint8Array;
  implementation: 'native' | 'wasm';
}

/*
 * zstd-napi is a native add-on: fast, but its `.node` file exists only where npm built it (a
 * source checkout). The release bundle is one `.mjs` with no node_modules beside it, so there the
 * add-on cannot load and the WebAssembly build (embedded in its JavaScript, so bundled with the
 * agent) compresses instead. Both write standard zstd frames: the control plane cannot tell.
 */
export async function loadZstd(): Promise<Zstd> {
  try {
    const native = createRequire(import.meta.url)('zstd-napi') as typeof import('zstd-napi');
    native.compress(new Uint8Array([0]));
    return {
      compress: (bytes) => native.compress(bytes, { compressionLevel: COMPRESSION_LEVEL }),
      decompress: (bytes) => native.decompress(bytes),
      implementation: 'native',
    };
  } catch {
    const { Zstd } = await import('@hpcc-js/wasm-zstd');
    const wasm = await Zstd.load();
    return { compress: (bytes) => wasm.compress(bytes, COMPRESSION_LEVEL), decompress: (bytes) => wasm.decompress(bytes), implementation: 'wasm' };
  }
}

/*
 * Level 1: on a batch of spans twice as fast as the default 3, and no larger (ids and timestamps
 * are what is left after the repeated keys, and neither level does much with them).
 */
const COMPRESSION_LEVEL = 1;
