import { z } from 'zod';

/*
 * The detector's Dockerfile per stack (detector.ts decides the stack). Every image listens on PORT
 * (8080 unless the platform sets another) on all interfaces, and runs as a non-root user where
 * the base image has one.
 */

export const stacks = ['node-npm', 'node-pnpm', 'node-yarn', 'python-pip', 'python-poetry', 'python-uv', 'go', 'ruby', 'rust', 'static'] as const;
export type Stack = (typeof stacks)[number];

export type RepoFiles = Readonly<Record<string, string>>;

export const has = (files: RepoFiles, name: string) => Object.hasOwn(files, name);

const PackageJson = z.looseObject({
  scripts: z.record(z.string(), z.string()).optional(),
  dependencies: z.record(z.string(), z.string()).optional(),
  packageManager: z.string().optional(),
  engines: z.looseObject({ node: z.string().optional() }).optional(),
});

export function parsePackageJson(files: RepoFiles) {
  try {
    const parsed = PackageJson.safeParse(JSON.parse(files['package.json'] ?? 'null'));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

type Template = (files: RepoFiles) => { dockerfile: string; notes: string[] };

const lines = (...parts: (string | false)[]) => `${parts.filter((part) => part !== false).join('\n')}\n`;

function nodeTemplate(manager: 'npm' | 'pnpm' | 'yarn'): Template {
  return (files) => {
    const pkg = parsePackageJson(files);
    const scripts = pkg?.scripts ?? {};
    const major = /(\d{2})/.exec(pkg?.engines?.node ?? '')?.[1] ?? '22';
    // `npm ci` refuses to run without a lock file; without one, npm install resolves the dependencies afresh.
    const install = { npm: has(files, 'package-lock.json') ? 'npm ci' : 'npm install', pnpm: 'corepack enable && pnpm install --frozen-lockfile', yarn: 'corepack enable && yarn install --frozen-lockfile' }[manager];
    const lock = { npm: 'package-lock.json*', pnpm: 'pnpm-lock.yaml', yarn: 'yarn.lock' }[manager];
    const run = (script: string) => (manager === 'npm' ? `npm run ${script}` : `${manager} ${script}`);
    const start = scripts.start ? (manager === 'npm' ? '["npm", "start"]' : `["${manager}", "start"]`) : '["node", "index.js"]';
    const prune = { npm: 'npm prune --omit=dev', pnpm: 'pnpm prune --prod', yarn: 'yarn install --production --frozen-lockfile' }[manager];
    return {
      dockerfile: lines(
        `FROM node:${major}-alpine AS build`,
        'WORKDIR /app',
        `COPY package.json ${lock} ./`,
        `RUN ${install}`,
        'COPY . .',
        scripts.build !== undefined && `RUN ${run('build')}`,
        `RUN ${prune}`,
        '',
        `FROM node:${major}-alpine`,
        'WORKDIR /app',
        'ENV NODE_ENV=production PORT=8080',
        'COPY --from=build --chown=node:node /app ./',
        'USER node',
        'EXPOSE 8080',
        `CMD ${start}`,
      ),
      notes: [
        scripts.build !== undefined ? `Runs the build script, then prunes dev dependencies.` : 'No build script, so nothing is compiled.',
        scripts.start ? `Starts with the start script (${scripts.start}); it must listen on PORT on 0.0.0.0.` : 'No start script: it runs index.js; change CMD if the entry point differs.',
      ],
    };
  };
}

function pythonCommand(files: RepoFiles): { cmd: string; note: string } {
  const manifest = `${files['requirements.txt'] ?? ''}\n${files['pyproject.toml'] ?? ''}`.toLowerCase();
  if (has(files, 'manage.py')) {
    return { cmd: 'gunicorn --bind 0.0.0.0:${PORT} $(basename $(dirname $(ls */wsgi.py | head -1))).wsgi', note: 'Django: served by gunicorn (add it to the dependencies).' };
  }
  const module = ['main.py', 'app.py', 'server.py'].find((name) => has(files, name))?.replace('.py', '') ?? 'main';
  if (manifest.includes('fastapi') || manifest.includes('uvicorn')) {
    return { cmd: `uvicorn ${module}:app --host 0.0.0.0 --port \${PORT}`, note: `ASGI app ${module}:app served by uvicorn.` };
  }
  if (manifest.includes('flask') || manifest.includes('gunicorn')) {
    return { cmd: `gunicorn --bind 0.0.0.0:\${PORT} ${module}:app`, note: `WSGI app ${module}:app served by gunicorn.` };
  }
  return { cmd: `python ${module}.py`, note: `Runs ${module}.py; it must listen on PORT on 0.0.0.0.` };
}

function pythonTemplate(manager: 'pip' | 'poetry' | 'uv'): Template {
  return (files) => {
    const { cmd, note } = pythonCommand(files);
    const install = {
      pip: has(files, 'requirements.txt') ? ['COPY requirements.txt ./', 'RUN pip install --no-cache-dir -r requirements.txt'] : ['COPY pyproject.toml ./', 'COPY . .', 'RUN pip install --no-cache-dir .'],
      poetry: ['RUN pip install --no-cache-dir poetry && poetry config virtualenvs.create false', 'COPY pyproject.toml poetry.lock* ./', 'RUN poetry install --only main --no-root --no-interaction'],
      uv: ['COPY --from=ghcr.io/astral-sh/uv:latest /uv /usr/local/bin/uv', 'COPY pyproject.toml uv.lock ./', 'RUN uv sync --frozen --no-dev --no-install-project', 'ENV PATH="/app/.venv/bin:$PATH"'],
    }[manager];
    return {
      dockerfile: lines(
        'FROM python:3.12-slim',
        'WORKDIR /app',
        'ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PORT=8080',
        ...install,
        'COPY . .',
        'RUN useradd --create-home app && chown -R app /app',
        'USER app',
        'EXPOSE 8080',
        `CMD ["sh", "-c", "${cmd.replaceAll('"', '\\"')}"]`,
      ),
      notes: [`Dependencies installed with ${manager}.`, note],
    };
  };
}

export const templates: Record<Stack, Template> = {
  'node-npm': nodeTemplate('npm'),
  'node-pnpm': nodeTemplate('pnpm'),
  'node-yarn': nodeTemplate('yarn'),
  'python-pip': pythonTemplate('pip'),
  'python-poetry': pythonTemplate('poetry'),
  'python-uv': pythonTemplate('uv'),
  go: (files) => {
    const version = /^go (\d+\.\d+)/m.exec(files['go.mod'] ?? '')?.[1] ?? '1.23';
    return {
      dockerfile: lines(
        `FROM golang:${version}-alpine AS build`,
        'WORKDIR /src',
        'COPY go.mod go.sum* ./',
        'RUN go mod download',
        'COPY . .',
        'RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/server .',
        '',
        'FROM gcr.io/distroless/static-debian12:nonroot',
        'ENV PORT=8080',
        'COPY --from=build /out/server /server',
        'EXPOSE 8080',
        'ENTRYPOINT ["/server"]',
      ),
      notes: [`Go ${version}, a static binary in a distroless image.`, 'Builds the main package at the repository root; change `.` if it lives under cmd/.'],
    };
  },
  ruby: (files) => {
    const rails = /\brails\b/.test(files.Gemfile ?? '');
    return {
      dockerfile: lines(
        'FROM ruby:3.3-slim',
        'WORKDIR /app',
        'RUN apt-get update && apt-get install -y --no-install-recommends build-essential && rm -rf /var/lib/apt/lists/*',
        'ENV BUNDLE_WITHOUT=development:test PORT=8080',
        'COPY Gemfile Gemfile.lock* ./',
        'RUN bundle install',
        'COPY . .',
        rails && 'ENV RAILS_ENV=production RAILS_LOG_TO_STDOUT=1',
        rails && 'RUN SECRET_KEY_BASE=placeholder bundle exec rails assets:precompile',
        'RUN useradd --create-home app && chown -R app /app',
        'USER app',
        'EXPOSE 8080',
        rails ? 'CMD ["sh", "-c", "bundle exec rails server -b 0.0.0.0 -p ${PORT}"]' : 'CMD ["sh", "-c", "bundle exec rackup -o 0.0.0.0 -p ${PORT}"]',
      ),
      notes: [rails ? 'Rails: assets precompiled, served by rails server.' : 'A Rack app served by rackup (config.ru).'],
    };
  },
  rust: (files) => {
    const name = /^\s*name\s*=\s*"([^"]+)"/m.exec(files['Cargo.toml'] ?? '')?.[1] ?? 'app';
    return {
      dockerfile: lines(
        'FROM rust:1-slim AS build',
        'WORKDIR /src',
        'COPY . .',
        'RUN cargo build --release',
        '',
        // glibc, libgcc and CA certificates, what a binary of the gnu target loads, with no package manager to run at build time.
        'FROM gcr.io/distroless/cc-debian12:nonroot',
        'ENV PORT=8080',
        `COPY --from=build /src/target/release/${name} /app`,
        'EXPOSE 8080',
        'ENTRYPOINT ["/app"]',
      ),
      notes: [`Builds the release binary ${name}, run as a non-root user in a distroless image with glibc.`],
    };
  },
  static: () => ({
    dockerfile: lines(
      'FROM busybox:stable',
      'WORKDIR /www',
      'COPY . .',
      'ENV PORT=8080',
      'USER nobody',
      'EXPOSE 8080',
      'CMD ["sh", "-c", "httpd -f -v -p ${PORT} -h /www"]',
    ),
    notes: ['Static files served by busybox httpd (index.html at the root).'],
  }),
};
