import { createServer } from 'node:net';
import os from 'node:os';
import type Docker from 'dockerode';
import { messageOf } from '../errors.js';
import { serverAddresses } from '../facts.js';

/*
 * The address of this host that the containers the agent runs can reach, for the telemetry
 * receiver their OpenTelemetry and Sentry SDKs send to. Docker setups disagree on where to find
 * it: the bridge's IPAM config names its gateway only when the network was created with one
 * (Debian's dockerd leaves it out of the default bridge when docker0 already existed, and a
 * network created with `--subnet` alone never has it), the bridge's interface is invisible to
 * Node while no container uses it, rootless Docker keeps its bridges in
 * another network namespace, and Docker Desktop runs containers in a VM. Each candidate is
 * proven by binding to it, since an address that is not this host's cannot be listened on.
 */

/** Where an address was found, in the order they are tried. */
export type HostAddressSource =
  | 'configured'
  | 'docker_desktop'
  | 'rootless_host'
  | 'network_gateway'
  | 'bridge_interface'
  | 'subnet_gateway';

export type ContainerHostAddress =
  | {
      reachable: true;
      /** What the receiver listens on. */
      bind: string;
      /** What containers are told to send to. */
      advertised: string;
      source: HostAddressSource;
    }
  | {
      reachable: false;
      /** Loopback unless configured otherwise: nothing containers reach, so at least nothing else does either. */
      bind: string;
      advertised: string;
      /** What was tried and why each failed, for the operator. */
      reason: string;
    };

/** The default bridge: every Docker Engine has one unless configured with `"bridge": "none"`. */
export const DEFAULT_BRIDGE_NETWORK = 'bridge';
const BRIDGE_NAME_OPTION = 'com.docker.network.bridge.name';
/* Docker names a user-defined bridge's interface after the network id unless told otherwise. */
const bridgeInterfaceName = (network: Docker.NetworkInspectInfo) => network.Options?.[BRIDGE_NAME_OPTION] ?? `br-${network.Id.slice(0, 12)}`;
const isLinkLocal = (address: string) => /^fe80:/i.test(address) || address.startsWith('169.254.');

/** True when this process can listen on the address, i.e. it is one of this host's. */
export async function canBind(address: string): Promise<boolean> {
  const probe = createServer();
  return new Promise((resolve) => {
    probe.once('error', () => resolve(false));
    probe.listen(0, address, () => probe.close(() => resolve(true)));
  });
}

/** IPv4 before IPv6: every container has IPv4 unless the network is IPv6-only. */
function preferIpv4(addresses: string[]): string[] {
  return [...addresses.filter((address) => !address.includes(':')), ...addresses.filter((address) => address.includes(':'))];
}

async function firstBindable(addresses: (string | undefined)[]): Promise<string | undefined> {
  for (const address of preferIpv4(addresses.filter((found): found is string => !!found && !isLinkLocal(found)))) {
    if (await canBind(address)) return address;
  }
  return undefined;
}

/**
 * The address Docker's IPAM gives a bridge's gateway when none is configured: the subnet's first
 * host address ("172.17.0.0/16" → "172.17.0.1", "fd00:1::/64" → "fd00:1::1").
 */
export function firstHostAddress(subnet: string): string | undefined {
  const [network, bits] = subnet.split('/');
  if (!network || !bits) return undefined;
  if (network.endsWith('::')) return `${network}1`;
  const octets = network.split('.').map(Number);
  if (octets.length !== 4 || octets.some((octet) => !Number.isInteger(octet) || octet < 0 || octet > 255) || Number(bits) > 30) return undefined;
  return [...octets.slice(0, 3), octets[3]! + 1].join('.');
}

async function fromNetwork(docker: Docker, networkName: string, interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]>, tried: string[]) {
  let network: Docker.NetworkInspectInfo;
  try {
    network = (await docker.getNetwork(networkName).inspect()) as Docker.NetworkInspectInfo;
  } catch (error) {
    tried.push(`network ${networkName}: ${messageOf(error)}`);
    return undefined;
  }
  const ipam = network.IPAM?.Config ?? [];
  const gateway = await firstBindable(ipam.map((config) => config.Gateway));
  if (gateway) return { address: gateway, source: 'network_gateway' as const };
  tried.push(`network ${networkName}: its IPAM config names ${ipam.some((config) => config.Gateway) ? 'no gateway of this host' : 'no gateway'}`);

  // Node lists an interface only while it is up and running: a bridge without containers has no carrier.
  const name = bridgeInterfaceName(network);
  const onInterface = await firstBindable((interfaces[name] ?? []).map((info) => info.address));
  if (onInterface) return { address: onInterface, source: 'bridge_interface' as const };
  tried.push(`interface ${name}: ${interfaces[name] ? 'no address this host can listen on' : 'not listed (down, or no carrier while no container uses it)'}`);

  const firstAddresses = ipam.map((config) => (config.Subnet ? firstHostAddress(config.Subnet) : undefined));
  const fromSubnet = await firstBindable(firstAddresses);
  if (fromSubnet) return { address: fromSubnet, source: 'subnet_gateway' as const };
  tried.push(`subnets of ${networkName}: no first address of ${ipam.map((config) => config.Subnet).join(', ') || 'none'} is this host's`);
  return undefined;
}

/**
 * Finds the address; never throws. `network` is the bridge to look at (the default bridge in
 * production; tests name one of their own), `interfaces` this host's (read now by default).
 */
export async function findContainerHostAddress(
  docker: Docker,
  options: { network?: string; interfaces?: NodeJS.Dict<os.NetworkInterfaceInfo[]> } = {},
): Promise<ContainerHostAddress> {
  const tried: string[] = [];
  let info: { OperatingSystem?: string; SecurityOptions?: string[] } | undefined;
  try {
    info = (await docker.info()) as typeof info;
  } catch (error) {
    tried.push(`Docker Engine: ${messageOf(error)}`);
  }
  if (info?.OperatingSystem?.includes('Docker Desktop')) {
    // Docker Desktop forwards host.docker.internal to the host's loopback, which nothing else reaches.
    return { reachable: true, bind: '127.0.0.1', advertised: 'host.docker.internal', source: 'docker_desktop' };
  }
  if (info?.SecurityOptions?.some((option) => option.includes('name=rootless'))) {
    // Rootless bridges live in RootlessKit's namespace; containers reach the host's own addresses through its NAT.
    const address = await firstBindable([serverAddresses(options.interfaces).private_ip]);
    if (address && address !== '127.0.0.1') return { reachable: true, bind: address, advertised: address, source: 'rootless_host' };
    tried.push('rootless Docker: this host has no address other than loopback');
  } else if (info) {
    const found = await fromNetwork(docker, options.network ?? DEFAULT_BRIDGE_NETWORK, options.interfaces ?? os.networkInterfaces(), tried);
    if (found) return { reachable: true, bind: found.address, advertised: found.address, source: found.source };
  }
  return { reachable: false, bind: '127.0.0.1', advertised: '127.0.0.1', reason: tried.join('; ') };
}
