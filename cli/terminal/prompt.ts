import { createInterface } from 'node:readline/promises';
import { ExitWith, exitCodes } from './exit-codes.js';

/* Questions to a person at a terminal, asked on stderr so stdout stays the command's output. */

export const interactive = () => Boolean(process.stdin.isTTY) && Boolean(process.stderr.isTTY);

/** The answer, or '' when the person presses Ctrl-C instead. */
export async function ask(question: string): Promise<string> {
  const reader = createInterface({ input: process.stdin, output: process.stderr });
  const interrupted = new AbortController();
  reader.on('SIGINT', () => interrupted.abort());
  try {
    return (await reader.question(question, { signal: interrupted.signal })).trim();
  } catch (error) {
    if (interrupted.signal.aborted) return '';
    throw error;
  } finally {
    reader.close();
  }
}

/** A question whose answer is not echoed (a token). */
export async function askSecret(question: string): Promise<string> {
  const input = process.stdin;
  process.stderr.write(question);
  input.setRawMode(true);
  input.setEncoding('utf8');
  input.resume();
  try {
    return await new Promise<string>((resolve, reject) => {
      let answer = '';
      input.on('data', (typed: string) => {
        for (const character of typed) {
          if (character === '\r' || character === '\n') resolve(answer.trim());
          else if (character === '\u0003') reject(new ExitWith(exitCodes.detached));
          else if (character === '\u007f') answer = answer.slice(0, -1);
          else answer += character;
        }
      });
    });
  } finally {
    input.setRawMode(false);
    input.removeAllListeners('data');
    input.pause();
    process.stderr.write('\n');
  }
}

export async function readAllStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
