import http from 'node:http';

/**
 * The URL Caddy asks before it orders a certificate on demand (`GET /ask?domain=<name>`): 200
 * only for a name the control plane sent in a deploy, so a name that merely points at the server
 * never gets an order (nor uses up the CA's rate limits). It listens on loopback only.
 */
export class AskEndpoint {
  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async open(approves: (domain: string) => boolean): Promise<AskEndpoint> {
    const server = http.createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://ask');
      const domain = url.searchParams.get('domain')?.toLowerCase() ?? '';
      const approved = request.method === 'GET' && url.pathname === '/ask' && domain !== '' && approves(domain);
      response.writeHead(approved ? 200 : 403, { 'content-type': 'text/plain' }).end(approved ? 'approved' : 'not a domain of this server');
    });
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port: 0 }, () => resolve((server.address() as { port: number }).port));
    });
    return new AskEndpoint(server, `http://127.0.0.1:${port}/ask`);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
