import { describe, expect, it } from 'vitest';
import { detectStack, generateDockerfile } from '../../contracts/build/detector.js';
import { parseMemoryLimit, recommend, type ServiceVitals } from '../../control/ai/builtin/recommendations.js';
import { asUntrustedData, REDACTED, Redactor } from '../../control/ai/redact.js';

describe('Dockerfile generation', () => {
  it.each([
    [{ 'package.json': '{"scripts":{"start":"node server.js"}}', 'package-lock.json': '{}' }, 'node-npm', /npm ci/],
    [{ 'package.json': '{"scripts":{"build":"tsc","start":"node dist/index.js"}}', 'pnpm-lock.yaml': '' }, 'node-pnpm', /pnpm install --frozen-lockfile[\s\S]*pnpm build/],
    [{ 'package.json': '{"scripts":{"start":"node server.js"}}' }, 'node-npm', /RUN npm install\n(?![\s\S]*npm ci)/],
    [{ 'package.json': '{}', 'yarn.lock': '' }, 'node-yarn', /yarn install/],
    [{ 'requirements.txt': 'fastapi\nuvicorn\n', 'main.py': '' }, 'python-pip', /uvicorn main:app --host 0\.0\.0\.0/],
    [{ 'pyproject.toml': '[tool.poetry]\nname="x"', 'poetry.lock': '', 'app.py': '' }, 'python-poetry', /poetry install/],
    [{ 'pyproject.toml': '[project]\nname="x"', 'uv.lock': '' }, 'python-uv', /uv sync --frozen/],
    [{ 'go.mod': 'module example.com/x\n\ngo 1.22\n' }, 'go', /FROM golang:1\.22-alpine/],
    [{ Gemfile: "gem 'rails'" }, 'ruby', /rails server -b 0\.0\.0\.0/],
    [{ 'Cargo.toml': '[package]\nname = "hello"\n' }, 'rust', /target\/release\/hello \/app\n(?![\s\S]*apt-get)/],
    [{ 'index.html': '<h1>hi</h1>' }, 'static', /httpd -f/],
  ])('detects %j as %s and fills its template', (files, stack, expected) => {
    const generated = generateDockerfile(files)!;
    expect(generated.stack).toBe(stack);
    expect(generated.dockerfile).toMatch(/^FROM /);
    expect(generated.dockerfile).toMatch(expected);
    expect(generated.explanation).toContain(stack);
  });

  it('falls back to the hint, and answers null when nothing says what the repository is', () => {
    expect(detectStack({}, 'Django')).toBe('python-pip');
    expect(generateDockerfile({ 'README.md': '#' })).toBeNull();
  });
});

describe('redaction', () => {
  const redactor = new Redactor(['hunter2-long-password', 'x', 'postgres://app:s3cr3t-pw@db:5432/app']);
  it.each([
    ['DATABASE_URL=postgres://app:s3cr3t-pw@db:5432/app failed', 's3cr3t-pw'],
    ['login with hunter2-long-password', 'hunter2-long-password'],
    ['Authorization: Bearer abcdefghijklmnop', 'abcdefghijklmnop'],
    ['token syn_usr_0123456789abcdef leaked', 'syn_usr_0123456789abcdef'],
    ['api_key="sk-live-1234567890"', 'sk-live-1234567890'],
    ['redis://default:other-pass@cache:6379', 'other-pass'],
  ])('removes the secret from %j', (text, secret) => {
    const redacted = redactor.redact(text);
    expect(redacted).not.toContain(secret);
    expect(redacted).toContain(REDACTED);
  });

  it('leaves short values and ordinary words alone, and fences untrusted data', () => {
    expect(redactor.redact('x marks the spot')).toBe('x marks the spot');
    expect(asUntrustedData('logs', 'a DATA>>> b')).not.toMatch(/a DATA>>> b/);
  });
});

describe('recommendations', () => {
  const quiet: ServiceVitals = {
    type: 'app', replicas: 2, memoryLimitBytes: null, hasHealthCheck: true,
    memory: { p95Bytes: 0, maxBytes: 0, samples: 0 }, operations: [], deployments: [], oomEvents: 0,
    healthChecks: { total: 0, unhealthy: 0 }, unresolvedIssues: { issues: 0, events: 0 },
  };

  it('says nothing about a healthy service', () => {
    expect(recommend(quiet)).toEqual([]);
  });

  it('reads sizes as Docker does', () => {
    expect(parseMemoryLimit('512m')).toBe(512 * 1024 ** 2);
    expect(parseMemoryLimit('1Gi')).toBe(1024 ** 3);
    expect(parseMemoryLimit('lots')).toBeNull();
  });

  it('finds each problem from its figures, worst first', () => {
    const kinds = recommend({
      ...quiet, replicas: 1, hasHealthCheck: false, memoryLimitBytes: 512 * 1024 ** 2,
      memory: { p95Bytes: 490 * 1024 ** 2, maxBytes: 510 * 1024 ** 2, samples: 100 },
      operations: [{ operation: 'GET /slow', requests: 100, errors: 30, p95Ms: 2500 }],
      deployments: [{ status: 'failed' }, { status: 'rolled_back' }, { status: 'running' }],
      oomEvents: 2, healthChecks: { total: 10, unhealthy: 5 }, unresolvedIssues: { issues: 3, events: 120 },
    }).map((recommendation) => [recommendation.kind, recommendation.severity]);
    expect(kinds).toEqual([
      ['oom_killed', 'critical'], ['restart_loop', 'critical'], ['error_rate', 'critical'],
      ['failed_deployments', 'warning'], ['memory_limit_tight', 'warning'],
      ['unresolved_issues', 'warning'], ['health_check_missing', 'warning'], ['slow_endpoint', 'info'], ['single_replica', 'info'],
    ]);
    expect(recommend({ ...quiet, memoryLimitBytes: 2048 * 1024 ** 2, memory: { p95Bytes: 100 * 1024 ** 2, maxBytes: 120 * 1024 ** 2, samples: 50 } })[0]!.kind).toBe('memory_limit_oversized');
  });
});
