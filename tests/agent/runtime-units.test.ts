import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { agentSocketUrl } from '../../agent/connection.js';
import { cpuArch, serverAddresses } from '../../agent/facts.js';
import { cpuLimitToNanoCpus, memoryLimitToBytes } from '../../agent/runtime/containers.js';
import { LogFrameDecoder } from '../../agent/runtime/log-frames.js';
import { specFromContainer, specLabel, type ServiceSpec } from '../../agent/runtime/service-spec.js';

function frame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe('agent runtime pieces', () => {
  it('reads CPU and memory limits the way docker run does', () => {
    expect(cpuLimitToNanoCpus('0.5')).toBe(500_000_000);
    expect(cpuLimitToNanoCpus('2')).toBe(2_000_000_000);
    expect(memoryLimitToBytes('256m')).toBe(256 * 1024 ** 2);
    expect(memoryLimitToBytes('1g')).toBe(1024 ** 3);
    expect(memoryLimitToBytes('512K')).toBe(512 * 1024);
    expect(memoryLimitToBytes('1000')).toBe(1000);
  });

  it('decodes multiplexed log frames split anywhere, keeping stdout and stderr in order', () => {
    const bytes = Buffer.concat([frame(1, '2024-01-01T00:00:00.000000001Z out one\n'), frame(2, '2024-01-01T00:00:01Z err '), frame(2, 'two\n')]);
    const decoder = new LogFrameDecoder(true);
    const lines = [...decoder.push(bytes.subarray(0, 5)), ...decoder.push(bytes.subarray(5, 50)), ...decoder.push(bytes.subarray(50)), ...decoder.flush()];
    expect(lines).toEqual([
      { stream: 'stdout', timestamp: '2024-01-01T00:00:00.000000001Z', line: 'out one' },
      { stream: 'stderr', timestamp: '2024-01-01T00:00:01Z', line: 'err two' },
    ]);
  });

  it('keeps env values out of the spec label and takes them back from the container environment', () => {
    const spec: ServiceSpec = {
      deployment_id: randomUUID(),
      service_id: randomUUID(),
      service_name: 'api',
      project_name: 'shop',
      image: { registry: 'registry.example.com', repository: 'shop/api', tag: 'v3' },
      config: { port: 3000, replicas: 2, env_vars: { DATABASE_PASSWORD: 's3cret', MODE: 'a=b' }, labels: {} },
      networking: { domains: [], internal_hostname: 'api.shop.internal', expose_port: true },
    };
    const label = specLabel(spec);
    expect(label).not.toContain('s3cret');
    expect(specFromContainer(label, ['PATH=/bin', 'DATABASE_PASSWORD=s3cret', 'MODE=a=b'])).toEqual(spec);
    expect(specFromContainer('{"not":"a spec"}', [])).toBeNull();
    expect(specFromContainer(undefined, [])).toBeNull();
  });

  it('derives the socket URL and the machine facts the hello needs', () => {
    expect(agentSocketUrl('https://syntra.example.com')).toBe('wss://syntra.example.com/agent/ws');
    expect(agentSocketUrl('http://127.0.0.1:3000/base/')).toBe('ws://127.0.0.1:3000/base/agent/ws');
    expect(cpuArch('x64')).toBe('x86_64');
    expect(cpuArch('arm64')).toBe('aarch64');
    expect(() => cpuArch('ia32')).toThrow(/x86_64 and aarch64/);
    const info = (address: string) => ({ address, family: 'IPv4' as const, internal: false, netmask: '', mac: '', cidr: null });
    expect(serverAddresses({ docker0: [info('172.17.0.1')], eth0: [info('10.0.0.5')], eth1: [info('203.0.113.7')] })).toEqual({
      private_ip: '10.0.0.5',
      public_ip: '203.0.113.7',
    });
    expect(serverAddresses({ eth0: [info('203.0.113.7')] })).toEqual({ private_ip: '203.0.113.7', public_ip: '203.0.113.7' });
  });
});
