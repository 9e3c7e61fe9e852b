import { z } from 'zod';
import { AbsolutePath, PositiveInt } from '../primitives.js';
import { ExecResponseData } from '../websocket/commands.js';

/*
 * `POST /services/:serviceId/exec`, beyond section 2.3 (which has no route for the agent's `exec`):
 * one command in a running replica, answered when it ends. No `env`: values typed here would sit
 * in clear in the command outbox; `["env", "KEY=value", …]` does the same openly.
 */

/** The longest a command may run; the request waits for it, so this bounds an HTTP request too. */
export const EXEC_TIMEOUT_MAX_SECONDS = 300;
export const EXEC_TIMEOUT_DEFAULT_SECONDS = 30;
/** Each of stdout and stderr is cut to its last this many bytes in the answer. */
export const EXEC_OUTPUT_SHOWN_MAX_BYTES = 256 * 1024;

export const ExecRequest = z.object({
  command: z
    .array(z.string().max(4096))
    .min(1)
    .max(256)
    .refine(([program]) => program !== undefined && program.trim() !== '', 'the first item is the program to run and cannot be empty')
    .describe('The program and its arguments, run without a shell: ["sh", "-c", "…"] for one'),
  working_dir: AbsolutePath.optional().describe("Defaults to the image's working directory"),
  timeout_seconds: PositiveInt.max(EXEC_TIMEOUT_MAX_SECONDS)
    .optional()
    .describe(`Defaults to ${EXEC_TIMEOUT_DEFAULT_SECONDS}; a command still running then answers 422 EXEC_TIMEOUT`),
});
export type ExecRequest = z.infer<typeof ExecRequest>;

export const ExecResult = ExecResponseData.extend({
  truncated: z.boolean().describe(`stdout or stderr was longer than ${EXEC_OUTPUT_SHOWN_MAX_BYTES} bytes and only its end is shown`),
});
export type ExecResult = z.infer<typeof ExecResult>;
