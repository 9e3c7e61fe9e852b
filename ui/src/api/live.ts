import { useEffect, useRef } from 'react';
import { io, type Socket } from 'socket.io-client';
import {
  LIVE_PATH,
  liveEvents,
  type LiveAck,
  type LiveDeploymentEvent,
  type LiveDomainStatus,
  type LiveIssue,
  type LiveRoom,
  type LiveWorkflowRun,
} from '../../../contracts/live.js';

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

/*
 * How many mounted hooks use each room. Several panels of one page follow the same service room
 * (deployment events, domain status); the server keeps one membership per socket and room, so the
 * first panel to unmount must not leave the room under the others.
 */
const roomUsers = new Map<string, number>();

/**
 * Calls `onMessage` for every `event` of the room that `belongs` to it, and `onResync` after each
 * reconnect (the page re-reads over REST then). `room` null subscribes to nothing.
 */
export function useLiveRoom<Message>(
  room: LiveRoom | null,
  event: (typeof liveEvents)[keyof typeof liveEvents],
  belongs: (message: Message) => boolean,
  onMessage: (message: Message) => void,
  onResync: () => void,
): void {
  const handlers = useRef({ belongs, onMessage, onResync });
  handlers.current = { belongs, onMessage, onResync };
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
    const onEvent = (message: Message) => {
      if (handlers.current.belongs(message)) handlers.current.onMessage(message);
    };
    connection.on('connect', onConnect);
    connection.on(event, onEvent);
    if (connection.connected) join();
    roomUsers.set(roomKey!, (roomUsers.get(roomKey!) ?? 0) + 1);
    return () => {
      connection.off('connect', onConnect);
      connection.off(event, onEvent);
      const users = (roomUsers.get(roomKey!) ?? 1) - 1;
      if (users > 0) return void roomUsers.set(roomKey!, users);
      roomUsers.delete(roomKey!);
      if (connection.connected) connection.emit(liveEvents.unsubscribe, { room }, () => {});
    };
    // Keyed by the room's name: a new object for the same room must not resubscribe.
  }, [roomKey, event]);
}

/** Every `deployment_event` of a service's or a deployment's room. */
export function useDeploymentEvents(room: LiveRoom | null, onEvent: (message: LiveDeploymentEvent) => void, onResync: () => void): void {
  useLiveRoom<LiveDeploymentEvent>(
    room,
    liveEvents.deploymentEvent,
    (message) => (room?.kind === 'service' ? message.service_id : message.deployment_id) === room?.id,
    onEvent,
    onResync,
  );
}

/** A domain of the service whose certificate state changed (a heartbeat reported it). */
export function useDomainStatus(serviceId: string, onDomain: (message: LiveDomainStatus) => void, onResync: () => void): void {
  useLiveRoom<LiveDomainStatus>({ kind: 'service', id: serviceId }, liveEvents.domainStatus, (message) => message.service_id === serviceId, onDomain, onResync);
}

/** Every `issue` of a project's `project_issues` room: an issue seen for the first time, or whose status changed. */
export function useProjectIssues(projectId: string, onIssue: (message: LiveIssue) => void, onResync: () => void): void {
  useLiveRoom<LiveIssue>({ kind: 'project_issues', id: projectId }, liveEvents.issue, (message) => message.project_id === projectId, onIssue, onResync);
}

/** The whole run, each time the worker records a node's change or the run's status. */
export function useWorkflowRunUpdates(runId: string, onRun: (message: LiveWorkflowRun) => void, onResync: () => void): void {
  useLiveRoom<LiveWorkflowRun>({ kind: 'workflow_run', id: runId }, liveEvents.workflowRun, (message) => message.run.id === runId, onRun, onResync);
}
