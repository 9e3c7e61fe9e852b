import type { FailureEvidence } from '../../control/ai/builtin/error-rules.js';

/*
 * Real-world failures as operators see them: the exception an SDK reports, or only the container's
 * logs and exit code. Each names the cause the built-in engine must find.
 */

const evidence = (title: string, options: Partial<FailureEvidence> = {}): FailureEvidence => ({
  title,
  exceptionType: null,
  messages: [],
  frames: [],
  logs: [],
  ...options,
});

export const failureFixtures: { name: string; expected: string | null; evidence: FailureEvidence }[] = [
  {
    name: 'node-postgres refused on localhost',
    expected: 'connection_refused',
    evidence: evidence('connect ECONNREFUSED 127.0.0.1:5432', { exceptionType: 'Error', frames: ['TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555)', 'Pool.connect (src/db.ts:12)'] }),
  },
  {
    name: 'redis refused from logs only',
    expected: 'connection_refused',
    evidence: evidence('Process exited', { logs: ['[ioredis] Unhandled error event: Error: connect ECONNREFUSED 10.0.3.7:6379', 'at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1595:16)'] }),
  },
  {
    name: 'psycopg2 could not connect',
    expected: 'connection_refused',
    evidence: evidence('could not connect to server: Connection refused\n\tIs the server running on host "localhost" (127.0.0.1) and accepting TCP/IP connections on port 5432?', { exceptionType: 'psycopg2.OperationalError' }),
  },
  {
    name: 'node DNS ENOTFOUND',
    expected: 'dns',
    evidence: evidence('getaddrinfo ENOTFOUND postgres-primary', { exceptionType: 'Error', frames: ['GetAddrInfoReqWrap.onlookup [as oncomplete] (node:dns:107)'] }),
  },
  {
    name: 'go no such host',
    expected: 'dns',
    evidence: evidence('dial tcp: lookup api.internal on 127.0.0.11:53: no such host', { exceptionType: '*net.OpError' }),
  },
  {
    name: 'python name resolution',
    expected: 'dns',
    evidence: evidence("HTTPSConnectionPool(host='payments.svc', port=443): Max retries exceeded (Caused by NameResolutionError: Failed to resolve 'payments.svc' ([Errno -3] Temporary failure in name resolution))", { exceptionType: 'requests.exceptions.ConnectionError' }),
  },
  {
    name: 'node self-signed certificate',
    expected: 'tls',
    evidence: evidence('self-signed certificate in certificate chain', { exceptionType: 'Error', logs: ['FetchError: request to https://vault.corp/v1/secret failed, reason: SELF_SIGNED_CERT_IN_CHAIN'] }),
  },
  {
    name: 'python certificate verify failed',
    expected: 'tls',
    evidence: evidence("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate (_ssl.c:1006)", { exceptionType: 'ssl.SSLCertVerificationError' }),
  },
  {
    name: 'go x509 expired',
    expected: 'tls',
    evidence: evidence('Get "https://api.partner.com/v2": x509: certificate has expired or is not yet valid', { exceptionType: '*url.Error' }),
  },
  {
    name: 'container OOM with exit 137',
    expected: 'oom_killed',
    evidence: evidence('Worker exited', { exitCode: 137, logs: ['processing batch 4812 of 9000', 'processing batch 4813 of 9000'] }),
  },
  {
    name: 'node heap out of memory',
    expected: 'oom_killed',
    evidence: evidence('Process crashed', { logs: ['<--- Last few GCs --->', 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory', ' 1: 0xb7a940 node::Abort() [node]'] }),
  },
  {
    name: 'java OutOfMemoryError',
    expected: 'oom_killed',
    evidence: evidence('Java heap space', { exceptionType: 'java.lang.OutOfMemoryError' }),
  },
  {
    name: 'express port in use',
    expected: 'port_in_use',
    evidence: evidence('listen EADDRINUSE: address already in use :::3000', { exceptionType: 'Error', frames: ['Server.setupListenHandle [as _listen2] (node:net:1817)'] }),
  },
  {
    name: 'gunicorn address in use',
    expected: 'port_in_use',
    evidence: evidence('Worker failed to boot', { logs: ['[2025-11-04 10:12:01 +0000] [1] [ERROR] Connection in use: (\'0.0.0.0\', 8000)', '[ERROR] Retrying in 1 second.', 'OSError: [Errno 98] Address already in use'] }),
  },
  {
    name: 'server bound to localhost, health check fails',
    expected: 'wrong_port',
    evidence: evidence('Deployment failed', { logs: ['Server listening on http://127.0.0.1:3000', 'health check failed: connection refused on 10.0.0.4:8080 after 3 retries'] }),
  },
  {
    name: 'zod env validation missing var',
    expected: 'missing_env_var',
    evidence: evidence('Environment variable DATABASE_URL is required but was not set', { exceptionType: 'Error' }),
  },
  {
    name: 'python KeyError on os.environ',
    expected: 'missing_env_var',
    evidence: evidence("'STRIPE_SECRET_KEY'", { exceptionType: 'KeyError', logs: ["  File \"/app/settings.py\", line 14, in <module>", "    STRIPE_KEY = os.environ['STRIPE_SECRET_KEY']", "KeyError: 'STRIPE_SECRET_KEY'"] }),
  },
  {
    name: 'go missing env',
    expected: 'missing_env_var',
    evidence: evidence('fatal: REDIS_URL is not set', { logs: ['2025/11/04 10:00:00 fatal: REDIS_URL is not set'] }),
  },
  {
    name: 'node cannot find module',
    expected: 'module_not_found',
    evidence: evidence("Cannot find module 'express'\nRequire stack:\n- /app/server.js", { exceptionType: 'Error', logs: ["code: 'MODULE_NOT_FOUND'"] }),
  },
  {
    name: 'python no module named',
    expected: 'module_not_found',
    evidence: evidence("No module named 'uvicorn'", { exceptionType: 'ModuleNotFoundError' }),
  },
  {
    name: 'ruby load error',
    expected: 'module_not_found',
    evidence: evidence('cannot load such file -- sidekiq', { exceptionType: 'LoadError', logs: ['LoadError: cannot load such file -- sidekiq'] }),
  },
  {
    name: 'postgres password authentication failed',
    expected: 'database_auth',
    evidence: evidence('password authentication failed for user "app"', { exceptionType: 'error', frames: ['Parser.parseErrorMessage (node_modules/pg-protocol/dist/parser.js:287)'] }),
  },
  {
    name: 'mysql access denied',
    expected: 'database_auth',
    evidence: evidence("Access denied for user 'shop'@'10.0.0.12' (using password: YES)", { exceptionType: 'ER_ACCESS_DENIED_ERROR' }),
  },
  {
    name: 'redis WRONGPASS',
    expected: 'database_auth',
    evidence: evidence('WRONGPASS invalid username-password pair or user is disabled.', { exceptionType: 'ReplyError' }),
  },
  {
    name: 'node EACCES writing uploads',
    expected: 'permission_denied',
    evidence: evidence("EACCES: permission denied, open '/app/uploads/avatar.png'", { exceptionType: 'Error' }),
  },
  {
    name: 'python PermissionError',
    expected: 'permission_denied',
    evidence: evidence("[Errno 13] Permission denied: '/var/log/app.log'", { exceptionType: 'PermissionError' }),
  },
  {
    name: 'read-only filesystem',
    expected: 'permission_denied',
    evidence: evidence('Crash', { logs: ["Error: EROFS: read-only file system, mkdir '/usr/src/app/.cache'"] }),
  },
  {
    name: 'node undefined property',
    expected: 'undefined_property',
    evidence: evidence("Cannot read properties of undefined (reading 'id')", { exceptionType: 'TypeError', frames: ['getOrder (src/orders.ts:88)'] }),
  },
  {
    name: 'python NoneType attribute',
    expected: 'undefined_property',
    evidence: evidence("'NoneType' object has no attribute 'email'", { exceptionType: 'AttributeError', logs: ["AttributeError: 'NoneType' object has no attribute 'email'"] }),
  },
  {
    name: 'go nil pointer',
    expected: 'undefined_property',
    evidence: evidence('runtime error: invalid memory address or nil pointer dereference', { exceptionType: 'panic' }),
  },
  {
    name: 'axios timeout',
    expected: 'timeout',
    evidence: evidence('timeout of 5000ms exceeded', { exceptionType: 'AxiosError', logs: ['GET https://api.partner.com/v1/rates timed out'] }),
  },
  {
    name: 'postgres statement timeout',
    expected: 'timeout',
    evidence: evidence('canceling statement due to statement timeout', { exceptionType: 'QueryFailedError' }),
  },
  {
    name: 'go context deadline',
    expected: 'timeout',
    evidence: evidence('rpc error: code = DeadlineExceeded desc = context deadline exceeded', { exceptionType: '*status.Error' }),
  },
  {
    name: 'an application bug no rule knows',
    expected: null,
    evidence: evidence('Invoice total does not match line items', { exceptionType: 'InvariantError', frames: ['checkTotals (src/billing.ts:40)'] }),
  },
];
