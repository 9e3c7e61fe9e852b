import os from 'node:os';
import path from 'node:path';
import { LETS_ENCRYPT_DIRECTORY, type CertificateIssuer } from '../agent/edge/caddy-config.js';
import type { EdgeOptions } from '../agent/edge/edge-router.js';
import { defaultBuildLimits, type BuildLimits } from '../agent/build/build-limits.js';
import { runAgent } from '../agent/main.js';
import { createLogger } from './logger.js';
import { exitWithParent, onShutdown } from './lifecycle.js';
import { UsageError } from './usage-error.js';

export interface AgentArguments {
  /** From --url; SYNTRA_AGENT_URL when absent. */
  url: string | undefined;
  /** From --token; SYNTRA_AGENT_TOKEN when absent. */
  token: string | undefined;
  logLevel: string;
  /** Set by the release bundle's entry: the file it runs from, which updates replace. */
  bundlePath?: string;
  /** Started by `syntra dev` for this machine: ends with it. */
  supervised?: boolean;
}

/**
 * `syntra agent --url <control plane> --token <agent token>` (or SYNTRA_AGENT_URL and
 * SYNTRA_AGENT_TOKEN): the process the install command starts on each server. The token is
 * read once and never logged. Telemetry: SYNTRA_AGENT_DATA_DIR (default ~/.syntra-agent, holds
 * the spool), SYNTRA_AGENT_TELEMETRY_HOST / _PORT (the receiver; default the host address
 * containers reach, port 4318), SYNTRA_AGENT_TELEMETRY_NETWORK (the bridge that address is
 * looked for on, for an engine run without the default bridge). The HTTPS proxy for services'
 * domains (docs/domains.md): SYNTRA_AGENT_PROXY=caddy turns it on; SYNTRA_AGENT_HTTP_PORT /
 * _HTTPS_PORT (default 80 / 443), SYNTRA_AGENT_TLS_ISSUER (acme, the default, or internal),
 * SYNTRA_AGENT_ACME_DIRECTORY (default Let's Encrypt), SYNTRA_AGENT_ACME_EMAIL and
 * SYNTRA_AGENT_ACME_CA_ROOT (a PEM file the ACME server's own HTTPS is signed by); SYNTRA_AGENT_DOCKER_CLI (the docker
 * CLI builds run with; default Debian's /usr/bin/docker, whose BuildKit needs no buildx plugin);
 * SYNTRA_AGENT_BUILD_CPUS and SYNTRA_AGENT_BUILD_MEMORY_MB (the caps of a build's steps; default
 * half the server's cores and half its memory) and SYNTRA_AGENT_BUILD_CGROUP (the cgroup dockerd's
 * BuildKit runs steps under; default /docker/buildkit, docs/builds.md); on the control
 * plane's own server, SYNTRA_AGENT_CONTROL_PLANE_DOMAIN routes that name to the API at
 * SYNTRA_AGENT_CONTROL_PLANE_UPSTREAM (default 127.0.0.1:3000).
 */
export async function runAgentCommand(flags: AgentArguments): Promise<void> {
  const args = { ...flags, url: flags.url ?? process.env.SYNTRA_AGENT_URL, token: flags.token ?? process.env.SYNTRA_AGENT_TOKEN };
  const log = createLogger({ LOG_LEVEL: args.logLevel as 'info' }, 'agent');
  if (args.supervised) exitWithParent(log);
  if (!args.url || !/^(https?|wss?):\/\//.test(args.url)) {
    throw new UsageError('syntra agent needs --url (or SYNTRA_AGENT_URL): the control plane, for example http://10.0.0.5:3000');
  }
  if (!args.token?.startsWith('syn_agt_')) {
    throw new UsageError('syntra agent needs --token (or SYNTRA_AGENT_TOKEN): the syn_agt_… token shown when the server was added');
  }
  const telemetryPort = process.env.SYNTRA_AGENT_TELEMETRY_PORT;
  if (telemetryPort !== undefined && !/^\d+$/.test(telemetryPort)) throw new UsageError('SYNTRA_AGENT_TELEMETRY_PORT must be a port number');
  const telemetry = {
    dataDir: process.env.SYNTRA_AGENT_DATA_DIR ?? path.join(os.homedir(), '.syntra-agent'),
    host: process.env.SYNTRA_AGENT_TELEMETRY_HOST,
    port: telemetryPort === undefined ? undefined : Number(telemetryPort),
    network: process.env.SYNTRA_AGENT_TELEMETRY_NETWORK,
  };
  // Checkouts beside the spool, so a restarted agent fetches into the checkout it kept.
  const builds = { directory: path.join(telemetry.dataDir, 'builds'), dockerCli: process.env.SYNTRA_AGENT_DOCKER_CLI, limits: buildLimits() };
  const agent = await runAgent({ url: args.url, token: args.token, bundlePath: args.bundlePath, telemetry, edge: edgeOptions(telemetry.dataDir), builds, log });
  onShutdown(log, () => agent.stop());
}

function buildLimits(): BuildLimits {
  const env = process.env;
  const defaults = defaultBuildLimits();
  const positive = (name: string, fallback: number, integer: boolean): number => {
    const value = env[name];
    if (value === undefined) return fallback;
    if (!(integer ? /^\d+$/ : /^\d+(\.\d+)?$/).test(value) || Number(value) <= 0) {
      throw new UsageError(`${name} must be a positive ${integer ? 'whole ' : ''}number`);
    }
    return Number(value);
  };
  const cgroup = env.SYNTRA_AGENT_BUILD_CGROUP ?? defaults.cgroup;
  if (!/^(\/[\w.-]+)+$/.test(cgroup) || cgroup.split('/').includes('..')) throw new UsageError('SYNTRA_AGENT_BUILD_CGROUP must be a cgroup path such as /docker/buildkit');
  return { cpus: positive('SYNTRA_AGENT_BUILD_CPUS', defaults.cpus, false), memoryMb: positive('SYNTRA_AGENT_BUILD_MEMORY_MB', defaults.memoryMb, true), cgroup };
}

function edgeOptions(dataDir: string): Omit<EdgeOptions, 'log'> | undefined {
  const env = process.env;
  if (env.SYNTRA_AGENT_PROXY === undefined || env.SYNTRA_AGENT_PROXY === 'off') return undefined;
  if (env.SYNTRA_AGENT_PROXY !== 'caddy') throw new UsageError('SYNTRA_AGENT_PROXY must be caddy or off');
  const port = (name: string): number | undefined => {
    const value = env[name];
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value) || Number(value) > 65535) throw new UsageError(`${name} must be a port number`);
    return Number(value);
  };
  const issuerType = env.SYNTRA_AGENT_TLS_ISSUER ?? 'acme';
  if (issuerType !== 'acme' && issuerType !== 'internal') throw new UsageError('SYNTRA_AGENT_TLS_ISSUER must be acme or internal');
  const issuer: CertificateIssuer =
    issuerType === 'internal'
      ? { type: 'internal' }
      : {
          type: 'acme',
          directory: env.SYNTRA_AGENT_ACME_DIRECTORY ?? LETS_ENCRYPT_DIRECTORY,
          email: env.SYNTRA_AGENT_ACME_EMAIL,
          trustedRootsPemFiles: env.SYNTRA_AGENT_ACME_CA_ROOT ? [env.SYNTRA_AGENT_ACME_CA_ROOT] : undefined,
        };
  const controlPlane = env.SYNTRA_AGENT_CONTROL_PLANE_DOMAIN
    ? { domain: env.SYNTRA_AGENT_CONTROL_PLANE_DOMAIN.toLowerCase(), upstream: env.SYNTRA_AGENT_CONTROL_PLANE_UPSTREAM ?? '127.0.0.1:3000' }
    : undefined;
  return { dataDir, httpPort: port('SYNTRA_AGENT_HTTP_PORT'), httpsPort: port('SYNTRA_AGENT_HTTPS_PORT'), issuer, controlPlane };
}
