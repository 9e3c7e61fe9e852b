import { io, type Socket } from 'socket.io-client';
import { LIVE_PATH, liveEvents, type LiveAck, type LiveRoom } from '../../contracts/live.js';

/*
 * The control plane's socket.io rooms (contracts/live.ts), for a deploy's progress and a log tail.
 * The socket carries what happens, the REST API what is: callers re-read over REST after each
 * (re)connect, so nothing missed while disconnected stays missing.
 */

const SUBSCRIBE_TIMEOUT_MS = 10_000;

export interface LiveConnection {
  /** Joins `room` now and after every reconnect; `onJoined` runs after each join, to re-read. */
  join(room: LiveRoom, onJoined: () => void): void;
  on<Message>(event: (typeof liveEvents)[keyof typeof liveEvents], handler: (message: Message) => void): void;
  close(): void;
}

export function openLive(url: string, token: string, onProblem: (problem: string) => void): LiveConnection {
  const socket: Socket = io(url, { path: LIVE_PATH, transports: ['websocket'], auth: { token }, reconnectionDelayMax: 5_000 });
  const rooms: { room: LiveRoom; onJoined: () => void }[] = [];
  const subscribe = ({ room, onJoined }: (typeof rooms)[number]) => {
    socket
      .timeout(SUBSCRIBE_TIMEOUT_MS)
      .emitWithAck(liveEvents.subscribe, { room })
      .then((ack: LiveAck) => (ack.ok ? onJoined() : onProblem(`live updates refused: ${ack.error.message}`)))
      .catch(() => onProblem('live updates did not answer; following over REST'));
  };
  socket.on('connect', () => rooms.forEach(subscribe));
  socket.on('connect_error', (error) => onProblem(`live updates unavailable (${error.message}); following over REST`));
  return {
    join(room, onJoined) {
      rooms.push({ room, onJoined });
      if (socket.connected) subscribe({ room, onJoined });
    },
    on(event, handler) {
      socket.on(event, handler);
    },
    close: () => socket.disconnect(),
  };
}
