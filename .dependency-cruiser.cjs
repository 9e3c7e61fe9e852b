/*
 * The floors of the house (docs/architecture.md, "The map"): a folder may import only from the
 * folders listed for it, so every arrow points down and none goes round a circle. `npm test`
 * runs this check before the suite (bin/test.js); `npx depcruise --config .dependency-cruiser.cjs
 * <folders>` runs it alone.
 */
const ownCode = ['contracts', 'config', 'engines', 'db', 'workflows', 'control', 'activities', 'api', 'cli', 'agent', 'ui', 'bin', 'bench', 'tests'];

/** Each folder and what it may import besides itself and npm packages. */
const mayImport = {
  contracts: [],
  config: ['contracts'],
  engines: ['contracts', 'config'],
  db: ['contracts', 'config'],
  // Deterministic code in Temporal's sandbox: types of contracts/ and the SDK, nothing else.
  workflows: ['contracts'],
  control: ['contracts', 'config', 'engines', 'db', 'workflows'],
  activities: ['contracts', 'config', 'db', 'workflows', 'control'],
  api: ['contracts', 'config', 'engines', 'db', 'workflows', 'control'],
  cli: ['contracts', 'config', 'engines', 'db', 'workflows', 'control', 'activities', 'api', 'agent'],
  // The agent ships alone and the UI runs in a browser: both speak to the rest only through contracts/.
  agent: ['contracts'],
  ui: ['contracts'],
};

/*
 * The one arrow across: the control plane serves the agent's release (api/http/agent-release/), so
 * it builds the bundle from agent/ source with the agent's own build script, version and flags.
 */
const agentRelease = '^agent/(version|release/(bundle|node-flags))[.]ts$';

const floorRules = Object.entries(mayImport).map(([folder, allowed]) => ({
  name: `${folder}-imports-down`,
  comment: `${folder}/ may import only ${allowed.length ? allowed.join(', ') : 'itself'} (and npm packages)`,
  severity: 'error',
  from: { path: `^${folder}/` },
  to: {
    path: `^(${ownCode.filter((other) => other !== folder && !allowed.includes(other)).join('|')})/`,
    ...(folder === 'api' ? { pathNot: agentRelease } : {}),
  },
}));

module.exports = {
  forbidden: [
    ...floorRules,
    {
      name: 'workflows-use-only-the-temporal-sdk',
      comment: 'workflow code runs in the deterministic sandbox: only @temporalio/workflow and @temporalio/common among packages',
      severity: 'error',
      from: { path: '^workflows/' },
      to: { dependencyTypes: ['npm', 'npm-dev', 'core'], pathNot: '^node_modules/@temporalio/(workflow|common)/' },
    },
    {
      name: 'workflows-take-only-the-neutral-module',
      comment: 'what workflows share with the rest is contracts/operations.ts, dag.ts and ai-tasks.ts, modules of types only',
      severity: 'error',
      from: { path: '^workflows/' },
      to: { path: '^contracts/', pathNot: '^contracts/(operations|dag|ai-tasks)[.]ts$' },
    },
    { name: 'no-circular', comment: 'no import circle, type-only imports included', severity: 'error', from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|node_modules|\\.syntra[^/]*|\\.tools)/' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json'] },
    // `.js` specifiers name the `.ts` files next to them (NodeNext resolution).
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
