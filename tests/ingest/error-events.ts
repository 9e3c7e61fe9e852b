import { randomUUID } from 'node:crypto';
import type { ErrorEvent, StackFrame } from '../../contracts/index.js';

/*
 * Error events as an SDK reports them through the agent: two bugs in a checkout service, each
 * thrown with values that change from one occurrence to the next.
 */

export const checkoutStack = (root = '/app'): StackFrame[] => [
  { filename: `${root}/node_modules/express/lib/router/layer.js`, function: 'Layer.handle', lineno: 95, in_app: false, context_line: 'fn(req, res, next);' },
  { filename: `${root}/dist/routes/checkout.js`, function: 'async checkout', lineno: 41, colno: 13, in_app: true, context_line: '    const cart = await carts.load(req.params.cartId);' },
  { filename: `${root}/dist/carts/load.js`, function: 'load', lineno: 12, colno: 5, in_app: true, context_line: "  if (!row) throw new NotFoundError(`cart ${id} not found`);" },
];

export const paymentStack = (): StackFrame[] => [
  { filename: '/app/dist/payments/charge.js', function: 'charge', lineno: 77, in_app: true, context_line: '  return gateway.capture(intent.id, amount);' },
];

export function errorEvent(serviceId: string, deploymentId: string, overrides: Partial<ErrorEvent> & { release?: string; userId?: string } = {}): ErrorEvent {
  const { release = '1.0.0', userId, ...fields } = overrides;
  return {
    id: randomUUID(),
    service_id: serviceId,
    deployment_id: deploymentId,
    timestamp: new Date().toISOString(),
    type: 'NotFoundError',
    message: `cart ${randomUUID()} not found`,
    stack_trace: checkoutStack(),
    breadcrumbs: [{ timestamp: new Date().toISOString(), type: 'http', category: 'fetch', level: 'info', message: 'GET /carts' }],
    context: { environment: 'production', release, tags: { region: 'eu' }, extra: {}, ...(userId ? { user: { id: userId, email: `${userId}@example.com` } } : {}) },
    fingerprint: [],
    ...fields,
  };
}
