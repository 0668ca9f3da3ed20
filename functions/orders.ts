// Declared with the @azure/functions v4 API: the same file deploys to Azure unchanged.
import { app, trigger, type InvocationContext } from '@azure/functions';
import type { RedisMessageModel } from 'redis-func';

interface Order {
  readonly id: string;
  readonly status?: string;
  readonly total?: number;
}

function parseOrder(message: string): Order | undefined {
  try {
    const value = JSON.parse(message) as unknown;
    return value && typeof value === 'object' && 'id' in value ? (value as Order) : undefined;
  } catch {
    return undefined;
  }
}

/** Every new order (exact channel: SUBSCRIBE). */
export async function onOrderCreated(model: RedisMessageModel, context: InvocationContext): Promise<void> {
  const order = parseOrder(model.Message);
  if (!order) {
    context.warn(`Ignoring a message on ${model.Trigger} that is not an order: ${model.Message}`);
    return;
  }
  context.log(`New order ${order.id} for ${order.total ?? 0}`);
  await Promise.resolve();
}

/** Every order event, whatever happened to it (pattern: PSUBSCRIBE orders:*). */
export function onOrderEvent(model: RedisMessageModel, context: InvocationContext): string {
  const event = model.Trigger.slice('orders:'.length);
  context.log(`Order event '${event}': ${model.Message}`);
  return event;
}

app.generic('onOrderCreated', {
  trigger: trigger.generic({
    type: 'redisPubSubTrigger',
    connection: 'RedisConnectionString',
    channel: 'orders:created',
    pattern: false,
  }),
  handler: onOrderCreated,
});

app.generic('onOrderEvent', {
  trigger: trigger.generic({
    type: 'redisPubSubTrigger',
    connection: 'RedisConnectionString',
    channel: 'orders:*',
  }),
  handler: onOrderEvent,
});
