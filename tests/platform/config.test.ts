import { describe, expect, it } from 'vitest';
import { ConfigError, environmentVariables, loadConfig } from '../../config/env.js';

describe('environment configuration', () => {
  it('applies the documented defaults on an empty environment', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(3000);
    expect(config.SYNTRA_DATA_DIR).toBe('.syntra');
    expect(config.dataDir.endsWith('/.syntra')).toBe(true);
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.CLICKHOUSE_URL).toBeUndefined();
    expect(config.TEMPORAL_ADDRESS).toBeUndefined();
    expect(config.SYNTRA_MANAGED_ENGINES).toEqual([]);
  });

  it('documents every variable it reads', () => {
    for (const [name, { doc }] of Object.entries(environmentVariables)) {
      expect(doc.length, name).toBeGreaterThan(10);
    }
    for (const required of ['PORT', 'SYNTRA_DATA_DIR', 'DATABASE_URL', 'CLICKHOUSE_URL', 'TEMPORAL_ADDRESS']) {
      expect(Object.keys(environmentVariables)).toContain(required);
    }
  });

  it('names every invalid variable in one error', () => {
    const attempt = () =>
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', TEMPORAL_ADDRESS: 'http://no', LOG_LEVEL: 'loud' });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      const variables = (error as ConfigError).problems.map((p) => p.variable).sort();
      expect(variables).toEqual(['DATABASE_URL', 'LOG_LEVEL', 'PORT', 'TEMPORAL_ADDRESS']);
      expect((error as Error).message).toMatch(/PORT: /);
    }
  });

  it('rejects a port outside 1-65535', () => {
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/PORT/);
    expect(() => loadConfig({ SYNTRA_POSTGRES_PORT: '0' })).toThrow(/SYNTRA_POSTGRES_PORT/);
  });

  it('accepts external engines', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://u:p@db.internal:5432/syntra',
      CLICKHOUSE_URL: 'http://default:pw@ch.internal:8123',
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      SYNTRA_MANAGED_ENGINES: 'postgres,temporal',
    });
    expect(config.TEMPORAL_ADDRESS).toBe('temporal.internal:7233');
    expect(config.SYNTRA_MANAGED_ENGINES).toEqual(['postgres', 'temporal']);
  });
});
