import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GENERATED_SCHEMA_DIRS, generateContractFiles } from '../../contracts/generate.js';
import { contractsDir } from './json-schema-validator.js';

const REGENERATE = 'contracts/ is stale: run `npm run contracts:generate` and commit the result';

describe('the checked-in generated contract files', () => {
  const generated = generateContractFiles();

  it.each([...generated.keys()])('%s matches the zod schemas', (relativePath) => {
    const onDisk = readFileSync(path.join(contractsDir, relativePath), 'utf8');
    expect(onDisk === generated.get(relativePath), `${relativePath} differs. ${REGENERATE}`).toBe(true);
  });

  it('no *.schema.json exists that the generator would not write', () => {
    const onDisk = GENERATED_SCHEMA_DIRS.flatMap((dir) =>
      readdirSync(path.join(contractsDir, dir))
        .filter((name) => name.endsWith('.schema.json'))
        .map((name) => `${dir}/${name}`),
    );
    const extra = onDisk.filter((file) => !generated.has(file));
    expect(extra, `stale files: ${extra.join(', ')}. ${REGENERATE}`).toEqual([]);
  });

  it('is the same on every run', () => {
    expect(generateContractFiles()).toEqual(generated);
  });

  it('holds one schema per WebSocket message, named as in contract section 5.1', () => {
    const websocket = [...generated.keys()].filter((file) => file.startsWith('websocket/'));
    expect(websocket).toContain('websocket/agent-hello.schema.json');
    expect(websocket).toContain('websocket/heartbeat.schema.json');
    expect(websocket).toContain('websocket/deploy.schema.json');
    // The contract's twenty, the three build messages of issue 19 and protocol 1.3's report_ack (contract-corrections.md).
    expect(websocket).toContain('websocket/build-progress.schema.json');
    expect(websocket).toContain('websocket/report-ack.schema.json');
    expect(websocket).toHaveLength(24);
  });
});
