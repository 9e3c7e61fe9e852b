import type { AiAnalysisFindings } from '../../../contracts/index.js';

/*
 * The built-in engine's error analysis: rules for the failures operators meet most, matched
 * against the exception, its frames, the container's exit code and the recent log lines. It needs
 * no model, so it answers offline and is what runs when no provider is on (or the provider fails).
 */

/** What an analysis looks at; logs are data, never instructions, whatever they say. */
export interface FailureEvidence {
  title: string;
  exceptionType: string | null;
  /** The exception message and chained causes, when known. */
  messages: readonly string[];
  /** Frames as `function (file:line)`, in-app first. */
  frames: readonly string[];
  exitCode?: number | null;
  logs: readonly string[];
}

export type Diagnosis = AiAnalysisFindings & { category: string | null };

interface Rule {
  category: string;
  patterns: readonly RegExp[];
  summary: string;
  whatsWrong: (match: RegExpExecArray) => string;
  cause: (match: RegExpExecArray) => string;
  fix: (match: RegExpExecArray) => string;
  exitCodes?: readonly number[];
}

const target = (match: RegExpExecArray) => match.groups?.target ?? 'the other service';

/* Order breaks ties: the more specific failure wins over the generic one a line also shows (a refused DNS lookup is DNS). */
const rules: readonly Rule[] = [
  {
    category: 'oom_killed',
    patterns: [/\bOOMKilled\b|\bout of memory\b|heap out of memory|Killed process \d+|\bMemoryError\b|std::bad_alloc|OutOfMemoryError|exit(?:ed)?(?: with)? (?:code|status)[ :=]*137\b|memory limit exceeded/i],
    exitCodes: [137],
    summary: 'The process was killed for running out of memory',
    whatsWrong: () => 'The container used all the memory it may use and was killed (exit code 137, OOM).',
    cause: () => "The service's memory limit is below what it needs at peak, or memory grows without bound (a leak, an unbounded cache or an oversized batch).",
    fix: () =>
      "Raise the service's memory limit above its peak use (see its memory metric), or cap the runtime's heap below the limit (Node: NODE_OPTIONS=--max-old-space-size; JVM: -XX:MaxRAMPercentage), and look for what grows between restarts.",
  },
  {
    category: 'port_in_use',
    patterns: [/EADDRINUSE|address already in use|port is already allocated|Only one usage of each socket address/i],
    summary: 'The port the service listens on is already taken',
    whatsWrong: () => 'The server could not bind its port: another process already holds it.',
    cause: () => 'Two processes in the container listen on the same port (a second server started, or a previous instance still running), or the port is shared with another service on the host.',
    fix: () => 'Start one server per container, listen on the port the platform gives in PORT, and do not publish the same host port for two services.',
  },
  {
    category: 'database_auth',
    patterns: [/password authentication failed for user "?(?<target>[^"\s]+)|Access denied for user '(?<target2>[^']+)'|SASL authentication failed|role "[^"]+" does not exist|\bWRONGPASS\b|\bNOAUTH\b|Authentication failed\.? ?\(?(?:mongo|bad auth)/i],
    summary: 'The database refused the credentials',
    whatsWrong: (match) => `The database rejected the login${match.groups?.target ? ` of ${match.groups.target}` : ''}.`,
    cause: () => "The user or password in the service's database URL does not match the database's (a rotated password, another environment's URL, or a user that was never created).",
    fix: () => "Compare the user and password in the service's DATABASE_URL (or equivalent) with the database's, update the env var and redeploy; create the role if it does not exist.",
  },
  {
    category: 'tls',
    patterns: [/CERT_HAS_EXPIRED|UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|ERR_TLS_CERT_ALTNAME_INVALID|certificate verify failed|x509: certificate|SSLError|SSL routines|unable to get local issuer certificate|tls: handshake failure|wrong version number/i],
    summary: 'A TLS connection failed certificate checks',
    whatsWrong: () => 'A TLS handshake failed: the certificate was expired, self-signed, for another name, or not issued by a trusted authority.',
    cause: () => 'The remote certificate is not trusted by the container (missing CA bundle in a slim image, a private CA, an expired certificate), or TLS is spoken to a port that serves plain text.',
    fix: () => 'Install CA certificates in the image (ca-certificates), add a private CA through the runtime (NODE_EXTRA_CA_CERTS, REQUESTS_CA_BUNDLE), renew the certificate, or use the TLS port of the remote; do not disable verification.',
  },
  {
    category: 'dns',
    patterns: [/(?:ENOTFOUND|EAI_AGAIN)\s+(?<target>[\w.-]+)?|getaddrinfo|Name or service not known|no such host|Temporary failure in name resolution|could not translate host name "?(?<target2>[\w.-]+)?|Could not resolve host/i],
    summary: 'A host name could not be resolved',
    whatsWrong: (match) => `DNS lookup failed for ${match.groups?.target ?? match.groups?.target2 ?? 'a host'}.`,
    cause: () => 'The host name is misspelt, belongs to another network (an internal name used from outside it, or a service that does not exist in this project), or DNS is unreachable from the container.',
    fix: () => "Check the host in the service's URLs and env vars; for another service of the project use its internal name, and check that the service exists and runs.",
  },
  {
    category: 'missing_env_var',
    patterns: [
      /(?:environment variable|env var|env)\s+['"`]?(?<target>[A-Z][A-Z0-9_]{2,})['"`]?\s+(?:is\s+)?(?:not set|missing|required|undefined|not defined|must be set)/i,
      /missing (?:required )?(?:environment variable|env(?:ironment)? var(?:iable)?)s?:?\s+['"`]?(?<target>[A-Z][A-Z0-9_]{2,})/i,
      /KeyError: '(?<target>[A-Z][A-Z0-9_]{2,})'/,
      /\b(?<target>[A-Z][A-Z0-9]*_[A-Z0-9_]+) (?:is not set|must be set|is required|is undefined)/,
    ],
    summary: 'A required environment variable is not set',
    whatsWrong: (match) => `The service needs ${target(match)} and it is not set.`,
    cause: (match) => `${target(match)} is not among the service's env vars (or is empty), so the code stopped at start-up.`,
    fix: (match) => `Set ${target(match)} in the service's environment variables (PUT /services/:id/env, secret if it is one) and redeploy.`,
  },
  {
    category: 'module_not_found',
    patterns: [/Cannot find module '(?<target>[^']+)'|ERR_MODULE_NOT_FOUND|MODULE_NOT_FOUND|ModuleNotFoundError: No module named '(?<target2>[^']+)'|No module named '?(?<target3>[\w.]+)|cannot find package "?(?<target4>[^"\s]+)|LoadError: cannot load such file -- (?<target5>\S+)|ImportError: /i],
    summary: 'A module the code imports is not installed in the image',
    whatsWrong: (match) => `The module ${match.groups?.target ?? match.groups?.target2 ?? match.groups?.target3 ?? match.groups?.target4 ?? match.groups?.target5 ?? ''} could not be found at run time.`.replace('  ', ' '),
    cause: () => 'The dependency is missing from the manifest (or only a dev dependency), the install step did not run in the final image stage, or the import path is wrong (case, file extension under ESM).',
    fix: () => 'Add it to the dependencies (not devDependencies) and lock file, make sure the final stage copies the installed packages, and check the import path.',
  },
  {
    category: 'permission_denied',
    patterns: [/\bEACCES\b|\bEPERM\b|Permission denied|PermissionError|operation not permitted|read-only file system|\bEROFS\b/i],
    summary: 'The process was denied access to a file, directory or port',
    whatsWrong: () => 'An operating-system permission check failed.',
    cause: () => 'The container runs as a non-root user that does not own the path it writes to, writes to a read-only filesystem, or binds a port below 1024 without root.',
    fix: () => 'Write only to a volume or a directory the user owns (chown it in the Dockerfile), bind a port above 1024, or run as the user that owns the files.',
  },
  {
    category: 'connection_refused',
    patterns: [/(?:ECONNREFUSED|connect: connection refused|Connection refused|could not connect to server|Connection reset by peer)(?:\s+(?<target>[\w.-]+:\d+))?/i],
    summary: 'A connection to another service was refused',
    whatsWrong: (match) => `Nothing accepted the connection to ${target(match)}.`,
    cause: (match) =>
      /^(?:127\.0\.0\.1|localhost|::1)/.test(match.groups?.target ?? '')
        ? 'The service connects to localhost: inside a container that is the container itself, not the database or service it means.'
        : 'The other side is down, still starting, or listens on another port or interface.',
    fix: () => "Point the URL at the other service's internal host name and port (not localhost), check that it runs and is healthy, and retry connections at start-up.",
  },
  {
    category: 'wrong_port',
    patterns: [/listening (?:on|at) (?:http:\/\/)?(?<target>(?:127\.0\.0\.1|localhost|\[::1\]):\d+)|health ?check.*(?:refused|failed|timed out)|no (?:process|server) (?:is )?listening on port/i],
    summary: 'The service does not answer on the port the platform checks',
    whatsWrong: () => 'Health checks or requests reach the container on its port, and nothing answers there.',
    cause: (match) =>
      match.groups?.target
        ? `The server listens on ${match.groups.target}, reachable only from inside the container.`
        : "The server listens on another port than the service's configured port.",
    fix: () => "Listen on 0.0.0.0 and on the port given in PORT (or set the service's port to the one the server uses).",
  },
  {
    category: 'undefined_property',
    patterns: [/Cannot read propert(?:y|ies) of (?:undefined|null)(?: \(reading '(?<target>[^']+)'\))?|undefined is not an object|is not a function|AttributeError: 'NoneType' object has no attribute|NoMethodError: undefined method .* for nil|nil pointer dereference|NullPointerException/i],
    summary: 'The code used a value that was undefined or null',
    whatsWrong: (match) => `A property${match.groups?.target ? ` (${match.groups.target})` : ''} was read from a value that was undefined or null.`,
    cause: () => 'A lookup returned nothing (a missing record, an optional field, an API answer of another shape) and the code assumed it did.',
    fix: () => 'Check the value at the first in-app frame before use (return a 404 or a default), and validate external data where it enters.',
  },
  {
    category: 'timeout',
    patterns: [/\bETIMEDOUT\b|\bESOCKETTIMEDOUT\b|timed out|TimeoutError|deadline exceeded|statement timeout|canceling statement due to|504 Gateway Time-?out|Knex: Timeout acquiring a connection/i],
    summary: 'An operation ran out of time',
    whatsWrong: () => 'A call to a dependency or a query did not finish within its timeout.',
    cause: () => 'The dependency is slow or overloaded, a query lacks an index, a connection pool is exhausted, or a firewall drops packets silently.',
    fix: () => "Find the slow call in the service's traces, add the missing index or raise the pool size, and set timeouts with retries and backoff on outbound calls.",
  },
];

const maxEvidence = 8;

/** The rule the evidence supports best; lines of the exception weigh more than log lines. */
export function diagnose(evidence: FailureEvidence): Diagnosis {
  const primary = [evidence.exceptionType ? `${evidence.exceptionType}: ${evidence.title}` : evidence.title, ...evidence.messages];
  const lines = [...primary.map((text) => ({ text, weight: 3 })), ...evidence.logs.map((text) => ({ text, weight: 1 }))];

  let best: { rule: Rule; score: number; match: RegExpExecArray; lines: string[] } | null = null;
  for (const rule of rules) {
    let score = rule.exitCodes && evidence.exitCode != null && rule.exitCodes.includes(evidence.exitCode) ? 3 : 0;
    let first: RegExpExecArray | null = null;
    const matched: string[] = [];
    for (const line of lines) {
      const match = firstMatch(rule.patterns, line.text);
      if (!match) continue;
      score += line.weight;
      first ??= match;
      if (!matched.includes(line.text)) matched.push(line.text);
    }
    if (score > 0 && (!best || score > best.score)) {
      best = { rule, score, match: first ?? emptyMatch(), lines: matched };
    }
  }
  const relevantFrames = evidence.frames.slice(0, 5);
  if (!best) {
    return {
      category: null,
      summary: evidence.title,
      whats_wrong: `${evidence.exceptionType ?? 'An error'} was raised: ${evidence.title}`,
      possible_cause: 'None of the built-in rules recognise this failure; the first in-app frame is where to start.',
      confidence: 'low',
      suggested_fix: 'Read the first in-app frame and the log lines just before the error; turn on a model provider for a deeper analysis.',
      relevant_frames: relevantFrames,
      evidence: primary.slice(0, maxEvidence).map(truncate),
    };
  }
  const { rule, match, score } = best;
  return {
    category: rule.category,
    summary: rule.summary,
    whats_wrong: rule.whatsWrong(match),
    possible_cause: rule.cause(match),
    confidence: score >= 4 ? 'high' : 'medium',
    suggested_fix: rule.fix(match),
    relevant_frames: relevantFrames,
    evidence: [
      ...(evidence.exitCode != null && rule.exitCodes?.includes(evidence.exitCode) ? [`exit code ${evidence.exitCode}`] : []),
      ...best.lines,
    ]
      .slice(0, maxEvidence)
      .map(truncate),
  };
}

function firstMatch(patterns: readonly RegExp[], text: string): RegExpExecArray | null {
  for (const pattern of patterns) {
    const match = pattern.exec(text);
    if (match) return match;
  }
  return null;
}

function emptyMatch(): RegExpExecArray {
  return Object.assign([''], { index: 0, input: '', groups: undefined }) as RegExpExecArray;
}

const truncate = (line: string) => (line.length > 1000 ? `${line.slice(0, 997)}...` : line);
