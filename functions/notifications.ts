// Declared with redis-func decorators: they register through app.generic, so this deploys unchanged too.
import type { InvocationContext } from '@azure/functions';
import { FunctionApp, RedisPubSubTrigger, type RedisMessageModel } from 'redis-func';

@FunctionApp()
export class Notifications {
  private received = 0;

  /** Messages for everyone, e.g. inventory alerts. */
  @RedisPubSubTrigger({ connection: 'RedisConnectionString', channel: 'notifications', pattern: false })
  onNotification(model: RedisMessageModel, context: InvocationContext): number {
    this.received++;
    context.log(`Notification #${this.received}: ${model.Message}`);
    return this.received;
  }

  /** A keyevent notification: any key deleted in database 0 (needs notify-keyspace-events with 'Eg'). */
  @RedisPubSubTrigger({
    name: 'onKeyDeleted',
    connection: 'RedisConnectionString',
    channel: '__keyevent@0__:del',
  })
  keyDeleted(model: RedisMessageModel, context: InvocationContext): void {
    if (model.Message.includes(':redis-func:')) return; // the processing lists of reliable list triggers
    context.log(`Key '${model.Message}' was deleted`);
  }
}
