import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fingerprintOf, normaliseFilename, titleOf } from '../../api/ingest/error-grouping.js';
import { normaliseMessage } from '../../api/ingest/message-normalisation.js';
import { checkoutStack, errorEvent, paymentStack } from './error-events.js';

const serviceId = randomUUID();
const deploymentId = randomUUID();
const event = (overrides: Parameters<typeof errorEvent>[2] = {}) => errorEvent(serviceId, deploymentId, overrides);

describe('error grouping', () => {
  it('puts the same bug thrown with different ids in one group', () => {
    expect(fingerprintOf(event({ message: 'cart 1f6c… not found' }))).toBe(fingerprintOf(event({ message: 'cart 9 not found' })));
  });

  it('keeps the group across deployments whose paths, line numbers and bundle hashes differ', () => {
    const moved = checkoutStack('/srv/releases/42').map((frame) => ({ ...frame, lineno: frame.lineno + 3 }));
    expect(fingerprintOf(event({ stack_trace: moved }))).toBe(fingerprintOf(event()));
    expect(normaliseFilename('https://cdn.example.com/assets/main.3f9a1c7e.js?v=2')).toBe('assets/main.<hash>.js');
    expect(normaliseFilename('/app/node_modules/pg/lib/client.js')).toBe('pg/lib/client.js');
  });

  it('gives a different bug its own group, even with the same exception type', () => {
    expect(fingerprintOf(event({ stack_trace: paymentStack() }))).not.toBe(fingerprintOf(event()));
    const changedLine = checkoutStack().map((frame, index) => (index === 2 ? { ...frame, context_line: '  if (!row) throw new GoneError(id);' } : frame));
    expect(fingerprintOf(event({ stack_trace: changedLine }))).not.toBe(fingerprintOf(event()));
  });

  it('groups by the in-app frames only: a library frame changing does not split the group', () => {
    const otherLibrary = [{ ...checkoutStack()[0]!, function: 'handle_request', filename: '/app/node_modules/koa/lib/app.js' }, ...checkoutStack().slice(1)];
    expect(fingerprintOf(event({ stack_trace: otherLibrary }))).toBe(fingerprintOf(event()));
  });

  it('groups stackless errors by type and message with the variable parts replaced', () => {
    const stackless = (message: string, type = 'QueryError') => fingerprintOf(event({ stack_trace: [], type, message }));
    expect(stackless('user 42 (ann@example.com) hit https://api.example.com/v1/x?id=7 at 0x7ffde1')).toBe(
      stackless('user 97 (bob@example.org) hit https://api.example.com/v1/y at 0x1a2b3c'),
    );
    expect(stackless('order ord_8f3kQ2 failed, id 3c1e2a4b-1111-4222-8333-944455556666')).toBe(
      stackless('order ord_19aZk1 failed, id 0b5c4a8e-7f1d-4e2a-9c3b-6d5e4f3a2b1c'),
    );
    expect(stackless('connection refused')).not.toBe(stackless('connection reset'));
    expect(stackless('connection refused')).not.toBe(stackless('connection refused', 'SocketError'));
    expect(normaliseMessage('took 35.2 ms for deadbeefcafe01 at 10.0.0.12:5432')).toBe('took <num> ms for <hex> at <ip>');
  });

  it('honours a custom fingerprint, with {{ default }} standing for the default grouping', () => {
    const byTenant = (tenant: string, stack = checkoutStack()) => fingerprintOf(event({ fingerprint: ['{{ default }}', tenant], stack_trace: stack }));
    expect(byTenant('acme')).not.toBe(byTenant('globex'));
    expect(byTenant('acme')).toBe(byTenant('acme'));
    expect(byTenant('acme')).not.toBe(byTenant('acme', paymentStack()));
    const custom = (stack = checkoutStack()) => fingerprintOf(event({ fingerprint: ['database-unavailable'], stack_trace: stack }));
    expect(custom()).toBe(custom(paymentStack()));
    expect(custom()).not.toBe(fingerprintOf(event()));
  });

  it('titles an issue with its type and the first line of its message', () => {
    expect(titleOf(event({ type: 'TypeError', message: 'x is undefined\n    at foo' }))).toBe('TypeError: x is undefined');
    expect(titleOf(event({ message: 'y'.repeat(400) }))).toHaveLength(255);
  });
});
