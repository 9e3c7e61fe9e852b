// The workflow registry: every workflow the worker runs is exported from this module, which
// `syntra worker` bundles for Temporal's deterministic sandbox. Only deterministic code belongs
// under workflows/ (no I/O, no Date.now, no Math.random); activities do the I/O.
export { deployService } from './deploy.js';
export { rollbackService } from './rollback.js';
export { scaleService } from './scale.js';
export { restartService } from './restart.js';
export { stopService } from './stop.js';
export { applyHealthCheck } from './health-check.js';
export { serviceOperations } from './service-queue.js';
export { runDag, scheduledDag } from './dag-run.js';
export { incidentSummary, issueAnalysis } from './ai-analysis.js';
