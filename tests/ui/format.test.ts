import { describe, expect, it } from 'vitest';
import { formatCpu, formatDiskUse, formatLatency, formatMemoryUse, formatPercent } from '../../ui/src/logic/format.js';

const capacity = { cpu_cores: 4, memory_mb: 8192, disk_gb: 160 };
const usage = {
  cpu_usage_percent: 37.4,
  memory_used_mb: 3072,
  memory_available_mb: 5120,
  disk_used_gb: 61.25,
  disk_available_gb: 98.75,
  network_rx_bytes: 0,
  network_tx_bytes: 0,
};

describe("the servers list's load columns", () => {
  it('shows the last heartbeat against the capacity', () => {
    const server = { ...capacity, usage };
    expect(formatCpu(server)).toBe('37 % of 4 cores');
    expect(formatMemoryUse(server)).toBe('3.0 GB of 8.0 GB');
    expect(formatDiskUse(server)).toBe('61.3 of 160.0 GB');
  });

  it('shows the capacity alone before the first heartbeat, and a dash when even that is unknown', () => {
    expect(formatCpu({ ...capacity, usage: null })).toBe('4 cores');
    expect(formatMemoryUse({ ...capacity, usage: null })).toBe('8.0 GB');
    expect(formatDiskUse({ ...capacity, usage: null })).toBe('160 GB');
    expect(formatCpu({ cpu_cores: null, memory_mb: null, disk_gb: null, usage: null })).toBe('—');
  });
});

describe('request figures', () => {
  it('keeps a tenth where it matters and drops it where it does not', () => {
    expect([0.42, 9.96, 12.4, 999.6, 1_250].map(formatLatency)).toEqual(['0.4 ms', '10 ms', '12 ms', '1000 ms', '1.3 s']);
    expect([0, 0.004, 0.0456, 0.4, 1].map(formatPercent)).toEqual(['0 %', '0.4 %', '4.6 %', '40 %', '100 %']);
  });
});
