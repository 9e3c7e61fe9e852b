import { inject } from 'vitest';
import type { TemporalEngine } from './cluster.js';

/** The test run's Temporal dev server (tests/global-setup.ts), for a cluster's processes. */
export function testTemporal(): TemporalEngine {
  return { address: inject('temporalAddress'), namespace: inject('temporalNamespace'), toolsDir: inject('toolsDir') };
}
