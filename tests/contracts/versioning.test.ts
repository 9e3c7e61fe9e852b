import { describe, expect, it } from 'vitest';
import {
  checkAgentCompatibility,
  compareSemver,
  CONTROL_PLANE_VERSION,
  negotiateProtocol,
  PROTOCOL_VERSIONS,
  protocolAtLeast,
  TELEMETRY_ACK_MIN_PROTOCOL,
} from '../../contracts/index.js';

const controlPlane = { supported: PROTOCOL_VERSIONS };

describe('protocol negotiation (contract 4.2)', () => {
  it('an agent speaking 1.0 and 1.1 gets 1.1', () => {
    expect(negotiateProtocol({ agentProtocol: '1.1', agentMinSupported: '1.0' }, controlPlane)).toEqual({ ok: true, version: '1.1' });
  });

  it('an agent that speaks only 1.1 gets 1.1', () => {
    expect(negotiateProtocol({ agentProtocol: '1.1', agentMinSupported: '1.1' }, controlPlane)).toEqual({ ok: true, version: '1.1' });
  });

  it('an agent built before versioning (both fields absent) gets 1.0', () => {
    expect(negotiateProtocol({}, controlPlane)).toEqual({ ok: true, version: '1.0' });
  });

  it('an agent that announces 1.0 gets 1.0, so it never receives telemetry_ack', () => {
    const result = negotiateProtocol({ agentProtocol: '1.0' }, controlPlane);
    expect(result).toEqual({ ok: true, version: '1.0' });
    expect(protocolAtLeast('1.0', TELEMETRY_ACK_MIN_PROTOCOL)).toBe(false);
    expect(protocolAtLeast('1.1', TELEMETRY_ACK_MIN_PROTOCOL)).toBe(true);
  });

  it('a newer agent whose range reaches down to ours gets our highest', () => {
    expect(negotiateProtocol({ agentProtocol: '1.4', agentMinSupported: '1.0' }, controlPlane)).toEqual({ ok: true, version: '1.3' });
  });

  it('an agent requiring at least 2.0 is refused with a reason', () => {
    const result = negotiateProtocol({ agentProtocol: '2.1', agentMinSupported: '2.0' }, controlPlane);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(/no common protocol version.*2\.0.*1\.0, 1\.1, 1\.2/);
  });

  it('a control plane that only speaks 1.0 refuses an agent requiring 1.1', () => {
    expect(negotiateProtocol({ agentProtocol: '1.1', agentMinSupported: '1.1' }, { supported: ['1.0'] }).ok).toBe(false);
  });

  it.each([
    { offer: { agentProtocol: '1' }, field: 'protocol_version' },
    { offer: { agentProtocol: 'v1.1' }, field: 'protocol_version' },
    { offer: { agentProtocol: '1.1.0' }, field: 'protocol_version' },
    { offer: { agentProtocol: '' }, field: 'protocol_version' },
    { offer: { agentProtocol: '1.1', agentMinSupported: 'one' }, field: 'min_supported' },
    { offer: { agentProtocol: '01.1' }, field: 'protocol_version' },
  ])('a malformed $field ($offer) is refused with a reason', ({ offer, field }) => {
    const result = negotiateProtocol(offer, controlPlane);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toContain(`malformed ${field}`);
  });

  it('min_supported above protocol_version is refused', () => {
    const result = negotiateProtocol({ agentProtocol: '1.0', agentMinSupported: '1.1' }, controlPlane);
    expect(result).toEqual({ ok: false, reason: 'min_supported 1.1 is above protocol_version 1.0' });
  });

  it('compares versions numerically, not as text', () => {
    expect(negotiateProtocol({ agentProtocol: '1.10', agentMinSupported: '1.2' }, { supported: ['1.2', '1.9', '1.10'] })).toEqual({
      ok: true,
      version: '1.10',
    });
  });
});

describe('agent and control plane compatibility (contract 4.3)', () => {
  it.each([
    // The table's rows, at their edges.
    ['0.1.0', '0.1.0', true],
    ['0.1.5', '0.2.0', true],
    ['0.1.5', '0.2.9', true],
    ['0.1.5', '0.3.0', false],
    ['0.2.0', '0.1.0', true],
    ['0.2.3', '0.3.7', true],
    ['0.2.3', '0.4.0', false],
    // The generalisation: agent 0.N.x works with control plane 0.1.0 up to 0.(N+1).x.
    ['0.5.1', '0.6.2', true],
    ['0.5.1', '0.7.0', false],
    ['0.0.9', '0.1.4', true],
    // Below the oldest control plane any agent supports, and across majors.
    ['0.1.0', '0.0.9', false],
    ['0.2.0', '1.0.0', false],
    ['1.0.0', '0.2.0', false],
    // Pre-release and build suffixes stay in their row.
    ['0.2.0-rc.1', '0.3.0+build.7', true],
  ])('agent %s with control plane %s: compatible = %s', (agent, controlPlaneVersion, compatible) => {
    const verdict = checkAgentCompatibility(agent, controlPlaneVersion);
    expect(verdict.ok).toBe(compatible);
    if (!verdict.ok) expect(verdict.reason.length).toBeGreaterThan(0);
  });

  it('tells an outdated agent to update', () => {
    expect(checkAgentCompatibility('0.1.2', '0.3.0')).toEqual({
      ok: false,
      reason: 'agent 0.1.2 supports control plane 0.1.0 to 0.2.x, not 0.3.0: update the agent',
    });
  });

  it.each([
    ['0.1', '0.1.0', 'agent'],
    ['latest', '0.1.0', 'agent'],
    ['0.1.0', 'v0.1.0', 'control plane'],
  ])('refuses a malformed version (%s, %s)', (agent, controlPlaneVersion, which) => {
    const verdict = checkAgentCompatibility(agent, controlPlaneVersion);
    expect(verdict.ok).toBe(false);
    expect(!verdict.ok && verdict.reason).toContain(`malformed ${which} version`);
  });

  it('this control plane accepts the agents released with it', () => {
    expect(checkAgentCompatibility('0.1.0', CONTROL_PLANE_VERSION)).toEqual({ ok: true });
  });
});

describe('semver precedence (what update_agent compares against the minimum release)', () => {
  it('orders releases by their numbers, not as text', () => {
    expect(compareSemver('0.10.0', '0.9.9')).toBeGreaterThan(0);
    expect(compareSemver('1.0.0', '1.0.0')).toBe(0);
    expect(compareSemver('0.0.9', '0.1.0')).toBeLessThan(0);
  });

  it('puts a pre-release before its release and orders pre-releases by their identifiers', () => {
    const ordered = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0'];
    for (let i = 1; i < ordered.length; i++) expect(compareSemver(ordered[i - 1]!, ordered[i]!), `${ordered[i - 1]} < ${ordered[i]}`).toBeLessThan(0);
  });

  it('ignores build metadata and refuses a malformed version', () => {
    expect(compareSemver('1.0.0+build.5', '1.0.0')).toBe(0);
    expect(() => compareSemver('1.0', '1.0.0')).toThrow(/malformed semver/);
  });
});
