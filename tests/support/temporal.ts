import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';

/**
 * A copy of temporal-dev.yaml whose task queues are one test file's alone: every file shares the
 * run's Temporal dev server, and a worker must never pick up another file's workflows.
 */
export async function privateTemporalConfig(label: string): Promise<{ file: string; taskQueue: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), `syntra-${label}-temporal-`));
  const config = parse(await readFile('temporal-dev.yaml', 'utf8')) as { task_queues: Record<string, string>; api_task_queues: Record<string, string> };
  const suffix = randomUUID().slice(0, 8);
  config.task_queues = { operations: `${label}-operations-${suffix}`, dag: `${label}-dag-${suffix}` };
  config.api_task_queues = { ai: `${label}-ai-${suffix}` };
  const file = path.join(dir, 'temporal-dev.yaml');
  await writeFile(file, stringify(config));
  return { file, taskQueue: config.task_queues.operations!, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
