import { useEffect, useRef } from 'react';
import { io, type Socket } from 'socket.io-client';
import { LIVE_PATH, liveEvents, type LiveAck, type LiveDeploymentEvent, type LiveRoom } from '../../../contracts/live.js';

/*
 * One socket.io connection per tab, authenticated by the session cookie (same origin). Rooms are
 * joined again after every reconnect, and the page re-reads over REST then: the socket carries
 * what happens, the API what is, so nothing missed while disconnected stays missing.
 */

let socket: Socket | null = null;

function liveSocket(): Socket {
  socket ??= io({ path: LIVE_PATH, transports: ['websocket'], withCredentials: true });
  return socket;
}

/** Ends the connection (on logout): the next page opens a new one with the new cookie. */
export function closeLiveSocket(): void {
  socket?.disconnect();
  socket = null;
}

const subscribeTimeoutMs = 10_000;

/**
 * Calls `onEvent` for every `deployment_event` of the room, and `onResync` after each reconnect.
 * `room` null subscribes to nothing.
 */
export function useDeploymentEvents(room: LiveRoom | null, onEvent: (message: LiveDeploymentEvent) => void, onResync: () => void): void {
  const handlers = useRef({ onEvent, onResync });
  handlers.current = { onEvent, onResync };
  const roomKey = room ? `${room.kind}:${room.id}` : null;

  useEffect(() => {
    if (!room) return;
    const connection = liveSocket();
    const join = () => {
      connection
        .timeout(subscribeTimeoutMs)
        .emitWithAck(liveEvents.subscribe, { room })
        .then((ack: LiveAck) => {
          if (!ack.ok) console.warn(`live updates for ${roomKey} refused: ${ack.error.message}`);
        })
        .catch(() => console.warn(`live updates for ${roomKey} did not answer`));
    };
    let connectedBefore = connection.connected;
    const onConnect = () => {
      join();
      if (connectedBefore) handlers.current.onResync();
      connectedBefore = true;
    };
    const onMessage = (message: LiveDeploymentEvent) => {
      if ((room.kind === 'service' ? message.service_id : message.deployment_id) === room.id) handlers.current.onEvent(message);
    };
    connection.on('connect', onConnect);
    connection.on(liveEvents.deploymentEvent, onMessage);
    if (connection.connected) join();
    return () => {
      connection.off('connect', onConnect);
      connection.off(liveEvents.deploymentEvent, onMessage);
      if (connection.connected) connection.emit(liveEvents.unsubscribe, { room }, () => {});
    };
    // Keyed by the room's name: a new object for the same room must not resubscribe.
  }, [roomKey]);
}
