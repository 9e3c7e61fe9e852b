import { has, parsePackageJson, templates, type RepoFiles, type Stack } from './templates.js';

export { stacks, type RepoFiles, type Stack } from './templates.js';

/*
 * The project's own detector, the one answer to "how is this repository built": the stack is
 * recognised from the repository's files (lock files first, as they name the package manager),
 * then its template is filled. The agent runs it on a `nixpacks` service's checkout and builds
 * what it writes (the build log shows the Dockerfile); `POST /ai/generate-dockerfile` runs it on
 * the files it is given, so a person sees the same Dockerfile before committing their own.
 * It lives in contracts/ because it is pure (files in, text out) and both the agent and the
 * control plane use it; contracts/ is the one floor both may import.
 *
 * Nixpacks and Railpack fetch toolchains from the internet at build time; this detector only
 * writes a Dockerfile, whose base images come from wherever the server pulls images.
 */

/** Hints a person may give (`framework_hint`), by the stack they mean. */
const hintAliases: Record<string, Stack> = {
  node: 'node-npm', npm: 'node-npm', nodejs: 'node-npm', express: 'node-npm', nextjs: 'node-npm', next: 'node-npm', nestjs: 'node-npm',
  pnpm: 'node-pnpm', yarn: 'node-yarn',
  python: 'python-pip', pip: 'python-pip', flask: 'python-pip', django: 'python-pip', fastapi: 'python-pip',
  poetry: 'python-poetry', uv: 'python-uv',
  go: 'go', golang: 'go', ruby: 'ruby', rails: 'ruby', sinatra: 'ruby', rust: 'rust', cargo: 'rust',
  static: 'static', html: 'static',
};

export function detectStack(files: RepoFiles, hint?: string): Stack | null {
  if (has(files, 'pnpm-lock.yaml')) return 'node-pnpm';
  if (has(files, 'yarn.lock')) return 'node-yarn';
  if (has(files, 'package-lock.json') || has(files, 'package.json')) {
    const manager = parsePackageJson(files)?.packageManager ?? '';
    return manager.startsWith('pnpm') ? 'node-pnpm' : manager.startsWith('yarn') ? 'node-yarn' : 'node-npm';
  }
  if (has(files, 'uv.lock')) return 'python-uv';
  if (has(files, 'poetry.lock') || /\[tool\.poetry\]/.test(files['pyproject.toml'] ?? '')) return 'python-poetry';
  if (has(files, 'requirements.txt') || has(files, 'pyproject.toml')) return 'python-pip';
  if (has(files, 'go.mod')) return 'go';
  if (has(files, 'Gemfile')) return 'ruby';
  if (has(files, 'Cargo.toml')) return 'rust';
  if (has(files, 'index.html')) return 'static';
  const alias = hint?.toLowerCase().replace(/[^a-z]/g, '');
  return alias ? (hintAliases[alias] ?? null) : null;
}

export interface GeneratedFile {
  stack: Stack;
  dockerfile: string;
  explanation: string;
}

/** A Dockerfile for the detected stack; null when nothing says what the repository is. */
export function generateDockerfile(files: RepoFiles, hint?: string): GeneratedFile | null {
  const stack = detectStack(files, hint);
  if (!stack) return null;
  const { dockerfile, notes } = templates[stack](files);
  const detectedFrom = Object.keys(files).length > 0 ? `Detected ${stack} from ${evidenceFiles(stack, files).join(', ') || 'the hint'}` : `No files given: ${stack} from the hint`;
  return { stack, dockerfile, explanation: [`${detectedFrom}.`, ...notes].join(' ') };
}

const markers: Record<Stack, string[]> = {
  'node-npm': ['package-lock.json', 'package.json'],
  'node-pnpm': ['pnpm-lock.yaml', 'package.json'],
  'node-yarn': ['yarn.lock', 'package.json'],
  'python-pip': ['requirements.txt', 'pyproject.toml'],
  'python-poetry': ['poetry.lock', 'pyproject.toml'],
  'python-uv': ['uv.lock', 'pyproject.toml'],
  go: ['go.mod', 'go.sum'],
  ruby: ['Gemfile', 'Gemfile.lock', 'config.ru'],
  rust: ['Cargo.toml', 'Cargo.lock'],
  static: ['index.html'],
};

const evidenceFiles = (stack: Stack, files: RepoFiles) => markers[stack].filter((name) => has(files, name));

/**
 * The files the detector reads, relative to the build context: those whose contents the templates
 * use, and those whose presence alone decides (lock files, which may be large, are not read).
 */
export const detectorFiles = {
  read: ['package.json', 'pyproject.toml', 'requirements.txt', 'go.mod', 'Gemfile', 'Cargo.toml'],
  present: ['package-lock.json', 'pnpm-lock.yaml', 'yarn.lock', 'uv.lock', 'poetry.lock', 'go.sum', 'Gemfile.lock', 'config.ru', 'Cargo.lock', 'index.html', 'manage.py', 'main.py', 'app.py', 'server.py'],
} as const;
