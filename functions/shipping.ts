// A work queue (a list) and an event log (a stream), declared with redis-func decorators.
import type { InvocationContext } from '@azure/functions';
import {
  FunctionApp,
  NonRetryableError,
  RedisListTrigger,
  RedisStreamTrigger,
  type RedisMessageModel,
} from 'redis-func';

interface Shipment {
  readonly orderId: string;
  readonly address: string;
}

function parseShipment(message: string): Shipment | undefined {
  try {
    const value = JSON.parse(message) as Partial<Shipment> | null;
    return typeof value?.orderId === 'string' && typeof value.address === 'string'
      ? { orderId: value.orderId, address: value.address }
      : undefined;
  } catch {
    return undefined;
  }
}

@FunctionApp()
export class Shipping {
  /**
   * Jobs pushed with `RPUSH shipments '{"orderId":"A-1","address":"1 Main St"}'`, handled within
   * milliseconds (blocking mode). Reliable: a job whose run fails or is cut short by a crash runs again;
   * one that is not a shipment at all goes to the list `shipments:deadletter` at once.
   */
  @RedisListTrigger({
    connection: 'RedisConnectionString',
    key: 'shipments',
    reliable: true,
    mode: 'blocking',
  })
  ship(model: RedisMessageModel, context: InvocationContext): string {
    const shipment = parseShipment(model.Message);
    if (!shipment) throw new NonRetryableError(`Not a shipment: ${model.Message}`);
    context.log(`Shipping order ${shipment.orderId} to ${shipment.address}`);
    return shipment.orderId;
  }

  /** Entries added with `XADD payments '*' orderId A-1 amount 12.50`; each is acked once handled. */
  @RedisStreamTrigger({ connection: 'RedisConnectionString', key: 'payments', consumerGroup: 'shipping' })
  onPayment(model: RedisMessageModel, context: InvocationContext): void {
    const fields = JSON.parse(model.Message) as Record<string, string | undefined>;
    context.log(`Payment of ${fields['amount'] ?? '?'} for order ${fields['orderId'] ?? '?'}`);
  }
}
