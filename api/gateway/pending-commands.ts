import type { Kysely } from 'kysely';
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { AgentCommandRow, Database } from '../../db/postgres/database.js';
import { takePendingCommands, withdrawPendingCommand } from '../../db/queries/agent-commands.js';
import type { SecretCipher } from '../../control/secrets/cipher.js';
import { deliverablePayload } from '../../control/secrets/command-secrets.js';

/**
 * A server's pending commands, oldest first, each with the payload to send (a deploy's sealed
 * secrets opened). A command whose secrets do not open (altered bytes, or sealed for another
 * command) is withdrawn and logged rather than sent: left pending, it would fail every delivery
 * and every hello of its agent, and hold up every command queued after it.
 */
export async function pendingCommandsToSend(
  db: Kysely<Database>,
  cipher: SecretCipher,
  serverId: string,
  log: Logger,
): Promise<{ command: AgentCommandRow; payload: unknown }[]> {
  const deliverable: { command: AgentCommandRow; payload: unknown }[] = [];
  for (const command of await takePendingCommands(db, serverId)) {
    try {
      deliverable.push({ command, payload: deliverablePayload(cipher, command) });
    } catch (error) {
      log.error({ err: error, serverId, requestId: command.request_id }, 'withdrew a command whose sealed secrets do not open');
      await withdrawPendingCommand(db, command.request_id);
    }
  }
  return deliverable;
}
