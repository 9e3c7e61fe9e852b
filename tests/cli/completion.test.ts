import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliHome } from './run-cli.js';

/*
 * `syntra completion bash|zsh|fish`: the scripts the real binary prints, checked by the shells
 * themselves (syntax), and asked for completions as each shell would ask them.
 */

const hasShell = (shell: string) => spawnSync('sh', ['-c', `command -v ${shell}`]).status === 0;
let home: Awaited<ReturnType<typeof cliHome>>;
let folder: string;
const scripts: Record<string, string> = {};

beforeAll(async () => {
  home = await cliHome();
  folder = await mkdtemp(path.join(tmpdir(), 'syntra-completion-'));
  for (const shell of ['bash', 'zsh', 'fish']) {
    const run = await home.run(['completion', shell]);
    expect(run.code, run.stderr).toBe(0);
    scripts[shell] = path.join(folder, `syntra.${shell}`);
    await writeFile(scripts[shell]!, run.stdout);
  }
});

afterAll(async () => {
  await home?.cleanup();
  await rm(folder, { recursive: true, force: true });
});

const shellOutput = (shell: string, args: string[]) => execFileSync(shell, args, { encoding: 'utf8' });

describe('syntra completion', () => {
  it('refuses a shell it does not know, exit 2', async () => {
    const run = await home.run(['completion', 'tcsh']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/Allowed choices are bash, zsh, fish/);
  });

  it('bash: the script parses, and completes commands, subcommands, options and argument choices from the program', () => {
    shellOutput('bash', ['-n', scripts.bash!]);
    const complete = (...words: string[]) =>
      shellOutput('bash', ['-c', `source ${scripts.bash}; COMP_WORDS=(syntra ${words.map((word) => `'${word}'`).join(' ')}); COMP_CWORD=${words.length}; _syntra_completion; printf '%s\\n' "\${COMPREPLY[@]}"`]).trim().split('\n');
    expect(complete('')).toEqual(expect.arrayContaining(['deploy', 'workflows', 'logs', 'env', 'completion', 'login', '--profile']));
    expect(complete('workflows', 'r')).toEqual(['run', 'runs', 'reject']);
    expect(complete('--profile', 'ci', 'workflows', 'run', 'release', '--')).toEqual(['--input', '--wait', '--json', '--help']);
    expect(complete('deploy', 'web', '--r')).toEqual(['--ref', '--rollback-on-failure']);
    expect(complete('env', 'set', 'web', '--')).toEqual(expect.arrayContaining(['--file', '--secret']));
    expect(complete('completion', '')).toEqual(['bash', 'zsh', 'fish', '--help', '-h']);
  });

  it.skipIf(!hasShell('zsh'))('zsh: the script parses, and offers each command path what it takes (skipped where zsh is not installed)', () => {
    shellOutput('zsh', ['-n', scripts.zsh!]);
    // Outside an interactive shell there is no completion system: _describe stands in to print what would be offered.
    const offered = (...typed: string[]) =>
      shellOutput('zsh', [
        '-c',
        `compdef() { :; }; _describe() { print -l -- "\${(@P)4}"; }; source ${scripts.zsh}; words=(syntra ${typed.map((word) => `'${word}'`).join(' ')}); CURRENT=${typed.length + 1}; _syntra`,
      ]).trim().split('\n');
    expect(offered('')).toEqual(expect.arrayContaining(['workflows:DAG workflows: list, run and follow them, decide their approvals', 'deploy:deploy a service and follow it until it runs or fails']));
    expect(offered('workflows', 'run', 'x', '')).toEqual(expect.arrayContaining(['--wait:follow the run, node by node, until it ends', '--input:an input its steps read as {{ inputs.name }} (repeatable)']));
  });

  it.skipIf(!hasShell('fish'))('fish: the script parses, and `complete -C` offers what the program has (skipped where fish is not installed)', () => {
    shellOutput('fish', ['-n', scripts.fish!]);
    const complete = (line: string) => shellOutput('fish', ['-c', `source ${scripts.fish}; complete -C '${line}'`]).trim().split('\n').map((entry) => entry.split('\t')[0]);
    expect(complete('syntra workflows r')).toEqual(['reject', 'run', 'runs']);
    expect(complete('syntra logs web --')).toEqual(expect.arrayContaining(['--follow', '--since', '--level', '--grep']));
    expect(complete('syntra ')).toEqual(expect.arrayContaining(['deploy', 'workflows', 'completion']));
  });
});
