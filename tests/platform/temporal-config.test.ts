import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { devServerArgs, loadTemporalDevConfig } from '../../engines/temporal-config.js';

describe('temporal-dev.yaml', () => {
  it('turns into the dev server command line', async () => {
    const config = await loadTemporalDevConfig('temporal-dev.yaml');
    const args = devServerArgs(config, { dataDir: '/data', persistent: true });
    const flag = (name: string) => args[args.indexOf(name) + 1];
    expect(args.slice(0, 2)).toEqual(['server', 'start-dev']);
    expect(flag('--namespace')).toBe(config.namespace);
    expect(flag('--port')).toBe(String(config.frontend.port));
    expect(flag('--ui-port')).toBe(String(config.ui.port));
    expect(flag('--db-filename')).toBe(path.join('/data', config.database_file));
    const attributes = args.filter((_, i) => args[i - 1] === '--search-attribute');
    expect(attributes).toContain('SyntraDeploymentId=Keyword');
    const dynamic = args.filter((_, i) => args[i - 1] === '--dynamic-config-value');
    expect(dynamic).toContain('frontend.enableUpdateWorkflowExecution=true');
    expect(Object.values(config.task_queues)).toContain('syntra-operations');
  });

  it('keeps state in memory and takes other ports when placed for tests', async () => {
    const config = await loadTemporalDevConfig('temporal-dev.yaml');
    const args = devServerArgs(config, { dataDir: '/data', persistent: false, ports: { frontend: 17001, ui: 17002 } });
    expect(args).not.toContain('--db-filename');
    expect(args[args.indexOf('--port') + 1]).toBe('17001');
    expect(args[args.indexOf('--ui-port') + 1]).toBe('17002');
  });

  it('names the faulty key of an invalid file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'syntra-yaml-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'temporal-dev.yaml');
    const valid = await loadTemporalDevConfig('temporal-dev.yaml');
    await writeFile(file, JSON.stringify({ ...valid, frontend: { ...valid.frontend, port: 'seven' } }));
    await expect(loadTemporalDevConfig(file)).rejects.toThrow(/frontend\.port/);
  });
});
