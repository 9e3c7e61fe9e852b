const http = require('node:http');

http
  .createServer((request, response) => {
    response.setHeader('content-type', 'text/plain');
    response.end(request.url === '/health' ? 'ok\n' : '{{MARKER}}\n');
  })
  .listen(Number(process.env.PORT ?? 8080), '0.0.0.0');
