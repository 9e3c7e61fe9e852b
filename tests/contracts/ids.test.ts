import { describe, expect, it } from 'vitest';
import {
  AgentProtocolId,
  fromAgentProtocolId,
  fromServerProtocolId,
  ServerProtocolId,
  toAgentProtocolId,
  toServerProtocolId,
} from '../../contracts/index.js';
import { agentId, serverId, serverUuid } from './examples.js';

describe('protocol ids ↔ Postgres UUIDs (ARCHITECTURE correction 4)', () => {
  it('a server UUID becomes srv_ and agt_ ids with its 32 hex digits', () => {
    expect(toServerProtocolId(serverUuid)).toBe(serverId);
    expect(toAgentProtocolId(serverUuid)).toBe(agentId);
  });

  it('the ids map back to the same server UUID', () => {
    expect(fromServerProtocolId(serverId)).toBe(serverUuid);
    expect(fromAgentProtocolId(agentId)).toBe(serverUuid);
  });

  it('round-trips any UUID, normalising upper case', () => {
    const upper = '5B8F2C3E-9D4A-4E7B-8C1F-2A6D9E0B7C45';
    expect(fromServerProtocolId(toServerProtocolId(upper))).toBe(upper.toLowerCase());
    const random = crypto.randomUUID();
    expect(fromAgentProtocolId(toAgentProtocolId(random))).toBe(random);
  });

  it('mapped ids pass the protocol schemas', () => {
    expect(ServerProtocolId.safeParse(toServerProtocolId(serverUuid)).success).toBe(true);
    expect(AgentProtocolId.safeParse(toAgentProtocolId(serverUuid)).success).toBe(true);
  });

  it.each(['', 'web-1', '5b8f2c3e9d4a4e7b8c1f2a6d9e0b7c45', '5b8f2c3e-9d4a-4e7b-8c1f-2a6d9e0b7c4', '5b8f2c3e-9d4a-4e7b-8c1f-2a6d9e0b7c4g'])(
    'refuses to map the malformed UUID %j',
    (uuid) => {
      expect(() => toServerProtocolId(uuid)).toThrow(TypeError);
      expect(() => toAgentProtocolId(uuid)).toThrow(TypeError);
    },
  );

  it.each([
    'srv_V1StGXR8_Z5jdHi6B',
    'srv_5B8F2C3E9D4A4E7B8C1F2A6D9E0B7C45',
    'srv_5b8f2c3e9d4a4e7b8c1f2a6d9e0b7c4',
    'srv-5b8f2c3e9d4a4e7b8c1f2a6d9e0b7c45',
    agentId,
  ])('refuses the malformed server id %j', (id) => {
    expect(() => fromServerProtocolId(id)).toThrow(TypeError);
    expect(ServerProtocolId.safeParse(id).success).toBe(false);
  });

  it.each(['agt_', serverId, `${agentId}0`])('refuses the malformed agent id %j', (id) => {
    expect(() => fromAgentProtocolId(id)).toThrow(TypeError);
    expect(AgentProtocolId.safeParse(id).success).toBe(false);
  });
});
