import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { TelemetrySpool } from '../../../agent/telemetry/spool.js';
import { ensureDockerd } from '../../support/docker.js';
import { DEPLOYMENT_ID, SERVICE_ID } from './records.js';
import { silentLog, spooledData, testZstd } from './support.js';

const telemetryProcess = fileURLToPath(new URL('./fixtures/telemetry-process.ts', import.meta.url));
const REQUESTS = 60;

let child: ChildProcess | undefined;
let dataDir: string | undefined;
afterEach(async () => {
  child?.kill('SIGKILL');
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

function startTelemetryProcess(dir: string): Promise<URL> {
  child = spawn(process.execPath, ['--import', 'tsx', telemetryProcess], { env: { ...process.env, SYNTRA_AGENT_DATA_DIR: dir }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let output = '';
    child!.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const ready = /READY (\S+)/.exec(output);
      if (ready) resolve(new URL(ready[1]!));
    });
    child!.once('exit', (code) => reject(new Error(`the telemetry process exited with ${code}`)));
  });
}

function logRequest(marker: string): string {
  return JSON.stringify({
    resourceLogs: [
      {
        resource: {
          attributes: [
            { key: 'syntra.service_id', value: { stringValue: SERVICE_ID } },
            { key: 'syntra.deployment_id', value: { stringValue: DEPLOYMENT_ID } },
          ],
        },
        scopeLogs: [{ logRecords: [{ severityNumber: 9, body: { stringValue: marker } }] }],
      },
    ],
  });
}

describe('telemetry durability', () => {
  it('keeps every record it answered 2xx for when killed with SIGKILL before sending', async () => {
    await ensureDockerd();
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'syntra-durability-'));
    const origin = await startTelemetryProcess(dataDir);

    const acknowledged: string[] = [];
    let killed = false;
    const requests = Array.from({ length: REQUESTS }, async (_, index) => {
      const marker = `line-${index}`;
      try {
        const response = await fetch(new URL('/v1/logs', origin), { method: 'POST', body: logRequest(marker), headers: { 'content-type': 'application/json' } });
        if (response.status === 200) acknowledged.push(marker);
      } catch {
        // Cut off by the kill: never acknowledged, so nothing was promised.
      }
      // Kill mid-stream: later requests are still in flight, and nothing has been sealed or sent.
      if (acknowledged.length === REQUESTS / 2 && !killed) {
        killed = true;
        child!.kill('SIGKILL');
      }
    });
    const exited = new Promise((resolve) => (child!.exitCode !== null || child!.signalCode !== null ? resolve(undefined) : child!.once('exit', resolve)));
    await Promise.all(requests);
    expect(killed).toBe(true);
    await exited;
    expect(acknowledged.length).toBeGreaterThanOrEqual(REQUESTS / 2);

    const reopened = await TelemetrySpool.open(path.join(dataDir, 'telemetry'), { maxBytes: 50 * 1024 * 1024, zstd: await testZstd(), log: silentLog });
    try {
      const stored = (await spooledData(reopened)).logs.map((entry) => entry.message);
      for (const marker of acknowledged) expect(stored).toContain(marker);
      expect(new Set(stored).size).toBe(stored.length);
    } finally {
      await reopened.close();
    }
  });
});
