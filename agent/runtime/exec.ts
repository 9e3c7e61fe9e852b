import { Writable } from 'node:stream';
import type Docker from 'dockerode';
import type { ExecResponseData } from '../../contracts/index.js';
import { AgentError, isNotFound, messageOf } from '../errors.js';
import { sleep } from '../timing.js';

/* Output beyond this is cut (the tail is kept): a command_response is one WebSocket frame. */
const EXEC_OUTPUT_MAX_BYTES = 1024 * 1024;
/* Docker may report the exit code a moment after the output stream ends. */
const EXIT_CODE_POLL_MS = 50;
const EXIT_CODE_WAIT_MS = 2_000;

export interface ExecRequest {
  command: string[];
  workingDir?: string | undefined;
  env?: Record<string, string> | undefined;
  timeoutSeconds: number;
}

/** Collects a stream's bytes, keeping only the last EXEC_OUTPUT_MAX_BYTES. */
class OutputTail extends Writable {
  private chunks: Buffer[] = [];
  private size = 0;

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > EXEC_OUTPUT_MAX_BYTES && this.chunks.length > 1) {
      this.size -= this.chunks.shift()!.length;
    }
    done();
  }

  text(): string {
    const joined = Buffer.concat(this.chunks);
    return joined.subarray(Math.max(0, joined.length - EXEC_OUTPUT_MAX_BYTES)).toString('utf8');
  }
}

/**
 * Runs a command in a running container and returns its exit code and separated output.
 * On timeout it throws EXEC_TIMEOUT; Docker has no API to kill an exec'd process, so the
 * process itself runs on until it ends or the container stops.
 */
export async function runInContainer(docker: Docker, containerId: string, request: ExecRequest): Promise<ExecResponseData> {
  let exec: Docker.Exec;
  try {
    exec = await docker.getContainer(containerId).exec({
      Cmd: request.command,
      AttachStdout: true,
      AttachStderr: true,
      ...(request.workingDir === undefined ? {} : { WorkingDir: request.workingDir }),
      ...(request.env === undefined ? {} : { Env: Object.entries(request.env).map(([name, value]) => `${name}=${value}`) }),
    });
  } catch (error) {
    if (isNotFound(error)) throw new AgentError('CONTAINER_NOT_FOUND', `Container ${containerId.slice(0, 12)} no longer exists`);
    throw new AgentError('EXEC_FAILED', `Could not run ${request.command.join(' ')}: ${messageOf(error)}`);
  }
  const stream = await exec.start({ hijack: true, stdin: false });
  const stdout = new OutputTail();
  const stderr = new OutputTail();
  docker.modem.demuxStream(stream, stdout, stderr);

  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      stream.once('end', resolve);
      stream.once('close', resolve);
      stream.once('error', reject);
      timer = setTimeout(() => {
        stream.destroy();
        reject(
          new AgentError('EXEC_TIMEOUT', `${request.command.join(' ')} did not finish within ${request.timeoutSeconds} s`, {
            stdout: stdout.text(),
            stderr: stderr.text(),
          }),
        );
      }, request.timeoutSeconds * 1000);
    });
  } finally {
    clearTimeout(timer);
  }

  const waitUntil = Date.now() + EXIT_CODE_WAIT_MS;
  let inspected = await exec.inspect();
  while (inspected.Running && Date.now() < waitUntil) {
    await sleep(EXIT_CODE_POLL_MS);
    inspected = await exec.inspect();
  }
  return { exit_code: inspected.ExitCode ?? -1, stdout: stdout.text(), stderr: stderr.text() };
}
