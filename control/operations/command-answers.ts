import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import { CommandResponsePayload } from '../../contracts/index.js';
import type { Database } from '../../db/postgres/database.js';
import type { NotificationListener } from '../../db/postgres/notifications.js';
import { commandByRequestId } from '../../db/queries/agent-commands.js';

/** NOTIFYed with a command's request_id when its answer is recorded (migration 0014). */
const answersChannel = 'agent_command_answers';

/**
 * Lets a request wait for the agent's answer to a command it queued in the outbox. The answer is
 * recorded by whichever API process holds the agent's socket, maybe not this one, so the wait
 * follows the row, not the socket: the row's NOTIFY wakes every process and the waiter reads the
 * row. The row is also read when the wait starts (the answer may have come first) and after the
 * listener reconnects (notifications sent while it was down are lost).
 */
export class CommandAnswers {
  private readonly waiting = new Map<string, (answer: CommandResponsePayload) => void>();

  private constructor(
    private readonly db: Kysely<Database>,
    private readonly log: FastifyBaseLogger,
  ) {}

  static async listen(notifications: NotificationListener, db: Kysely<Database>, log: FastifyBaseLogger): Promise<CommandAnswers> {
    const answers = new CommandAnswers(db, log);
    await notifications.listen(answersChannel, {
      onNotification: (requestId) => answers.waiting.has(requestId) && answers.read(requestId),
      onConnected: () => answers.waiting.forEach((_resolve, requestId) => answers.read(requestId)),
    });
    return answers;
  }

  /** The answer to the command `requestId`, or null when none came within `timeoutMs`. */
  async wait(requestId: string, timeoutMs: number): Promise<CommandResponsePayload | null> {
    let timer: NodeJS.Timeout | undefined;
    const answer = new Promise<CommandResponsePayload | null>((resolve) => {
      this.waiting.set(requestId, resolve);
      timer = setTimeout(() => resolve(null), timeoutMs);
    });
    this.read(requestId);
    try {
      return await answer;
    } finally {
      clearTimeout(timer);
      this.waiting.delete(requestId);
    }
  }

  /** The recorded answer to `requestId`, if there is one yet. */
  async recorded(requestId: string): Promise<CommandResponsePayload | undefined> {
    const row = await commandByRequestId(this.db, requestId);
    if (row?.status !== 'answered') return undefined;
    // The gateway stored the payload it validated, so this parse fails only on a hand-edited row.
    const parsed = CommandResponsePayload.safeParse(row.response);
    return parsed.success
      ? parsed.data
      : { request_id: requestId, success: false, error: { code: 'INVALID_RESPONSE', message: 'The recorded answer does not match the protocol' } };
  }

  private read(requestId: string): void {
    this.recorded(requestId).then(
      (answer) => answer && this.waiting.get(requestId)?.(answer),
      (error: unknown) => this.log.warn({ err: error, requestId }, 'could not read a command answer'),
    );
  }
}
