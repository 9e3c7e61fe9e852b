/**
 * The `syntra` command's exit codes (docs/cli.md lists them for CI): a pipeline can tell a refused
 * request from a deployment that ran and failed.
 */
export const exitCodes = {
  ok: 0,
  /** The API refused or failed, the control plane did not answer, not signed in, a name matched nothing. */
  error: 1,
  /** The command line itself was wrong. */
  usage: 2,
  /** The deployment (or rollback) ended failed, rolled_back or cancelled. */
  deploymentFailed: 3,
  /** A workflow run (followed with --wait) ended failed or cancelled: the same meaning for a DAG run. */
  runFailed: 3,
  /** Stopped watching on Ctrl-C; the operation goes on in the control plane. */
  detached: 130,
} as const;

/** Thrown to end a command with a code of its own after it has said why. */
export class ExitWith extends Error {
  override name = 'ExitWith';
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}
