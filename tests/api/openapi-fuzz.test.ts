import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { installPythonTool, type PythonTool } from '../../engines/python-tools.js';
import { bearer } from '../support/auth.js';
import { startTestApi } from '../support/platform.js';

const run = promisify(execFile);

const schemathesis: PythonTool = { venv: 'schemathesis-venv', requirement: 'schemathesis==4.32.5', binary: 'schemathesis' };

/*
 * schemathesis (from PyPI) against the live API, with the OpenAPI document the API serves:
 * generated valid and invalid requests to every operation, as the owner, and sequences of them
 * (the stateful phase follows the links schemathesis infers from ids in responses). Every check
 * runs: no 5xx; status, content type, headers and body as the document says; invalid data
 * refused; 405 with Allow for undeclared methods; 401 without credentials; a deleted resource
 * gone. All but `positive_data_acceptance`: a schema-valid request may still be refused by a
 * business rule no schema can state, and rightly: a reference to another organization's server
 * (422), a token expiring in the past (422), removing the last owner (422), a window whose
 * `from` is after its `to` (400). The document says those in words; the patterns it can state are
 * held to the server's checks by tests/contracts/stated-rules.test.ts.
 *
 * The document declares no links: schemathesis infers them from the ids its answers carry.
 * SYNTRA_FUZZ_SEED and SYNTRA_FUZZ_EXAMPLES widen a run by hand (another seed, 25 examples).
 */
describe('the live API against its own OpenAPI document (schemathesis)', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let baseUrl: string;
  let binary: string;
  let reportDir: string;

  beforeAll(async () => {
    binary = await installPythonTool(inject('toolsDir'), schemathesis);
    // Thousands of requests from one token and one address: the limiter has its own tests.
    api = await startTestApi('fuzz', { SYNTRA_RATE_LIMIT_IP_PER_MINUTE: '0', SYNTRA_RATE_LIMIT_CALLER_PER_MINUTE: '0', SYNTRA_AI_RATE_LIMIT_PER_MINUTE: '0' });
    baseUrl = await api.app.listen({ port: 0, host: '127.0.0.1' });
    // Something to find: a project for the project-scoped routes' happy paths.
    await api.app.inject({ method: 'POST', url: '/api/v1/projects', headers: bearer(api.ownerToken), payload: { name: 'fuzzed' } });
    reportDir = await mkdtemp(path.join(tmpdir(), 'syntra-schemathesis-'));
  }, 300_000);

  afterAll(async () => {
    await api?.close();
    if (reportDir) await rm(reportDir, { recursive: true, force: true });
  });

  it('answers every generated request and sequence as the document says, with no 5xx', async () => {
    const args = [
      'run',
      `${baseUrl}/api/v1/openapi.json`,
      '--checks',
      'all',
      '--exclude-checks',
      'positive_data_acceptance',
      '--header',
      `Authorization: Bearer ${api.ownerToken}`,
      '--phases',
      'examples,coverage,fuzzing,stateful',
      '--max-examples',
      process.env.SYNTRA_FUZZ_EXAMPLES ?? '15',
      '--seed',
      process.env.SYNTRA_FUZZ_SEED ?? '20261126',
      // One worker: with two threads, Hypothesis parsing its lambdas' source at the same time trips
      // CPython 3.11's "AST constructor recursion depth mismatch" (a race in `ast`, seen in CI).
      '--workers',
      '1',
      // Both would end the run's own credentials: the session, or (found through GET /tokens) the token.
      '--exclude-operation-id',
      'logout',
      '--exclude-operation-id',
      'deleteApiToken',
      // Would turn the model provider on at generated URLs, and the AI endpoints would then call them.
      '--exclude-operation-id',
      'updateAiSettings',
      '--no-color',
      '--report-dir',
      reportDir,
    ];
    // Run from the report folder: schemathesis keeps a cache of examples in its working directory.
    const outcome = await run(binary, args, { cwd: reportDir, maxBuffer: 64 * 1024 * 1024, timeout: 600_000 }).then(
      ({ stdout }) => ({ code: 0, output: stdout }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, output: `${error.stdout}\n${error.stderr}` }),
    );
    expect(outcome.code, outcome.output).toBe(0);
  }, 900_000);
});
