import { readFile, statfs } from 'node:fs/promises';
import os from 'node:os';
import type Docker from 'dockerode';
import { toAgentProtocolId, toServerProtocolId, type AgentHelloPayload, type CpuArch } from '../contracts/index.js';
import { AgentError } from './errors.js';
import { AGENT_MIN_PROTOCOL_VERSION, AGENT_PROTOCOL_VERSION, AGENT_VERSION } from './version.js';

const BYTES_PER_MB = 1024 ** 2;
const BYTES_PER_GB = 1024 ** 3;

/* Interfaces Docker creates: their addresses are container-side, never the server's. */
const VIRTUAL_INTERFACE = /^(lo|docker\d*|br-|veth|virbr|cni|flannel|cali|tun|tap)/;

const ARCHES: Partial<Record<string, CpuArch>> = { x64: 'x86_64', arm64: 'aarch64' };

/** `/etc/os-release` as key → value (quotes removed); empty when the file is missing. */
async function osRelease(): Promise<Record<string, string>> {
  const text = await readFile('/etc/os-release', 'utf8').catch(() => '');
  const entries = text
    .split('\n')
    .map((line) => /^([A-Z_]+)=(.*)$/.exec(line.trim()))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => [match[1]!, match[2]!.replace(/^["']|["']$/g, '')] as const);
  return Object.fromEntries(entries);
}

function isNonPublicIpv4(address: string): boolean {
  const [a, b] = address.split('.').map(Number) as [number, number];
  return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127) || (a === 169 && b === 254);
}

/** The server's own IPv4 addresses (loopback and container bridges left out), private first. */
export function serverAddresses(interfaces = os.networkInterfaces()): { private_ip: string; public_ip: string | null } {
  const addresses = Object.entries(interfaces)
    .filter(([name]) => !VIRTUAL_INTERFACE.test(name))
    .flatMap(([, infos]) => infos ?? [])
    .filter((info) => info.family === 'IPv4' && !info.internal)
    .map((info) => info.address);
  const privateIp = addresses.find(isNonPublicIpv4);
  const publicIp = addresses.find((address) => !isNonPublicIpv4(address)) ?? null;
  // A server with only a public address uses it for both; one with none at all is reachable only locally.
  return { private_ip: privateIp ?? publicIp ?? '127.0.0.1', public_ip: publicIp };
}

export function cpuArch(nodeArch: string = os.arch()): CpuArch {
  const arch = ARCHES[nodeArch];
  if (!arch) throw new AgentError('UNSUPPORTED_ARCH', `The protocol knows x86_64 and aarch64; this server is ${nodeArch}`);
  return arch;
}

/** The `agent_hello` payload, from the machine itself: nothing here is configured by hand. */
export async function collectHello(docker: Docker, serverUuid: string): Promise<AgentHelloPayload> {
  // A server whose Docker is down still connects: it is then that its control plane most needs to hear from it.
  const [release, disk, runtimeVersion] = await Promise.all([osRelease(), statfs('/'), docker.version().then((found) => found.Version, () => 'unavailable')]);
  const cpus = os.cpus();
  return {
    agent_id: toAgentProtocolId(serverUuid),
    server_id: toServerProtocolId(serverUuid),
    version: AGENT_VERSION,
    runtime: 'docker',
    runtime_version: runtimeVersion,
    os: {
      name: release.ID || os.type().toLowerCase(),
      version: release.VERSION_ID || release.BUILD_ID || 'unknown',
      kernel: os.release(),
    },
    arch: cpuArch(),
    resources: {
      cpu_cores: Math.max(cpus.length, 1),
      cpu_model: cpus[0]?.model.trim() ?? 'unknown',
      memory_total_mb: Math.round(os.totalmem() / BYTES_PER_MB),
      disk_total_gb: Number(((disk.blocks * disk.bsize) / BYTES_PER_GB).toFixed(1)),
    },
    network: { hostname: os.hostname(), ...serverAddresses() },
    capabilities: ['docker'],
    protocol_version: AGENT_PROTOCOL_VERSION,
    min_supported: AGENT_MIN_PROTOCOL_VERSION,
  };
}
