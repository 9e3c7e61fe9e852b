import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';

type Frame = { id: string; type: string; payload: any };

/**
 * A WebSocket relay between agents and the control plane (`/agent/ws`, headers passed on), which
 * can lose an agent's message the way a dying control-plane process does: `loseFrom(match)`
 * swallows the first agent frame that matches, and every later one of that connection, as bytes
 * written into a socket whose reader is gone. The test then kills the process; the relay closes
 * the agent's side when the upstream side closes, and relays the agent's next connection whole.
 */
export class AgentSocketProxy {
  private readonly wss = new WebSocketServer({ noServer: true });
  private trap: { match: (frame: Frame) => boolean; resolve: (frame: Frame) => void } | null = null;

  private constructor(
    private readonly server: Server,
    private readonly upstreamUrl: string,
  ) {
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => this.relay(request, socket, head));
  }

  static async listen(upstreamUrl: string): Promise<AgentSocketProxy> {
    const server = createServer((_request, response) => response.writeHead(404).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new AgentSocketProxy(server, upstreamUrl);
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Resolves with the first agent frame that matches, which, like all after it on its connection, never arrives. */
  loseFrom(match: (frame: Frame) => boolean): Promise<Frame> {
    return new Promise((resolve) => (this.trap = { match, resolve }));
  }

  async close(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private relay(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const upstream = new WebSocket(`${this.upstreamUrl.replace(/^http/, 'ws')}${request.url}`, {
      headers: { authorization: request.headers.authorization ?? '', 'x-agent-version': String(request.headers['x-agent-version'] ?? '') },
    });
    upstream.once('unexpected-response', (_request, response) => {
      socket.end(`HTTP/1.1 ${response.statusCode} Refused\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    });
    upstream.once('error', () => socket.destroy());
    upstream.once('open', () =>
      this.wss.handleUpgrade(request, socket, head, (agent) => {
        let lost = false;
        agent.on('message', (data, isBinary) => {
          if (!lost && this.trap && !isBinary) {
            const frame = JSON.parse(data.toString()) as Frame;
            if (this.trap.match(frame)) {
              lost = true;
              this.trap.resolve(frame);
              this.trap = null;
            }
          }
          if (!lost && upstream.readyState === WebSocket.OPEN) upstream.send(data, { binary: isBinary });
        });
        upstream.on('message', (data, isBinary) => agent.readyState === WebSocket.OPEN && agent.send(data, { binary: isBinary }));
        agent.once('close', () => upstream.terminate());
        upstream.once('close', () => agent.terminate());
      }),
    );
  }
}
