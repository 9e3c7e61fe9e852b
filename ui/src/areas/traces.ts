/* The traces area, one chunk (ui/src/routes.tsx). */
export { TracePage } from '../pages/operator/trace.js';
export { TracesPage } from '../pages/operator/traces.js';
