import { errorMessage } from '../errors';
import type { TriggerValueFormat } from '../config/host-json';
import { messageModel } from '../invoke/model';
import { CONNECTION_NAMES } from './binding-options';
import type { Subscription } from './ports';
import type {
  Listener,
  ListenerDeps,
  ListenerState,
  ManualInput,
  TriggerOptions,
  TriggerSpec,
} from './trigger';

export interface PubSubTriggerOptions extends TriggerOptions, Subscription {
  /** host.json `extensions.redis.triggerValueFormat`. */
  readonly valueFormat: TriggerValueFormat;
}

export const PUBSUB_TRIGGER = 'redisPubSubTrigger';

export const pubSubTrigger: TriggerSpec<PubSubTriggerOptions> = {
  type: PUBSUB_TRIGGER,
  optionNames: [...CONNECTION_NAMES, 'channel', 'pattern', 'sharded'],
  parseOptions(binding, host) {
    const channel = binding.string(['channel'], { required: true, resolveSettings: true });
    const sharded = binding.boolean(['sharded'], false);
    if (sharded && binding.boolean(['pattern'], false))
      throw binding.error(
        'sharded',
        'cannot be combined with pattern: true (SSUBSCRIBE takes exact channels)',
      );
    if (sharded && KEYSPACE.test(channel))
      throw binding.error(
        'sharded',
        'cannot be used for keyspace notifications (Redis publishes them unsharded)',
      );
    return Object.freeze({
      connection: binding.string(CONNECTION_NAMES, { required: true }),
      channel,
      // The seed docs describe PSUBSCRIBE; 1.x adds `pattern` to choose. Sharded channels are exact.
      pattern: sharded ? false : binding.boolean(['pattern'], true),
      sharded,
      valueFormat: host.triggerValueFormat,
    });
  },
  createListener: (deps) => new PubSubListener(deps),
  manualInput: (options, message) => pubSubInput(options, options.channel, message),
  metadataNames: ['SubscriptionChannel', 'Channel', 'Message'],
};

/** The value the handler gets: `{ Trigger, Message }`, or the 1.x `{ SubscriptionChannel, Channel, Message }`. */
function pubSubInput(options: PubSubTriggerOptions, channel: string, message: string): ManualInput {
  const triggerMetadata = { SubscriptionChannel: options.channel, Channel: channel, Message: message };
  return {
    input: options.valueFormat === 'v1' ? { ...triggerMetadata } : messageModel(channel, message),
    triggerMetadata,
  };
}

/**
 * One subscription per function. Messages of the subscription are handled one after another, in order;
 * Pub/Sub has no ack, so a message whose invocation fails is gone (at-most-once).
 */
export class PubSubListener implements Listener {
  state: ListenerState = 'created';
  private unsubscribe: (() => Promise<void>) | undefined;
  private tail: Promise<void> = Promise.resolve();
  private closing: Promise<void> | undefined;

  constructor(private readonly deps: ListenerDeps<PubSubTriggerOptions>) {}

  async start(): Promise<void> {
    const { fn, ports, logger } = this.deps;
    this.state = 'starting';
    await warnIfKeyspaceEventsOff(this.deps);
    if (this.stopping) return; // closed while connecting: subscribe to nothing
    this.unsubscribe = await ports.pubsub.subscribe(fn.options, (message, channel) =>
      this.enqueue(message, channel),
    );
    if (this.stopping) {
      await this.unsubscribe().catch(() => undefined); // close() found nothing to unsubscribe yet
      return;
    }
    this.state = 'running';
    logger.debug(
      { functionName: fn.name },
      `${subscribeCommand(fn.options)} ${fn.options.channel} for function '${fn.name}'`,
    );
  }

  close(): Promise<void> {
    return (this.closing ??= this.doClose());
  }

  /** Closing or closed (read through a getter: start() checks it after its awaits). */
  private get stopping(): boolean {
    return this.state === 'closing' || this.state === 'closed';
  }

  private async doClose(): Promise<void> {
    this.state = 'closing';
    try {
      await this.unsubscribe?.();
    } catch (error) {
      this.deps.logger.warn(
        { err: errorMessage(error) },
        `Unsubscribing function '${this.deps.fn.name}' failed`,
      );
    }
    await this.tail;
    this.state = 'closed';
  }

  private enqueue(message: string, channel: string): void {
    if (this.state !== 'running' && this.state !== 'starting') return;
    const { fn, invoker } = this.deps;
    const { input, triggerMetadata } = pubSubInput(fn.options, channel, message);
    this.tail = this.tail.then(async () => {
      await invoker.invoke({ fn, input, triggerMetadata, reason: `New Redis message on channel ${channel}` });
    });
  }
}

const KEYSPACE = /^__key(space|event)@[^_]*__:/;

/** Keyspace and keyevent channels: Redis publishes them on the node where the key lives. */
export function isKeyspaceChannel(channel: string): boolean {
  return KEYSPACE.test(channel);
}

function subscribeCommand(subscription: Subscription): string {
  if (subscription.sharded) return 'SSUBSCRIBE';
  return subscription.pattern ? 'PSUBSCRIBE' : 'SUBSCRIBE';
}

async function warnIfKeyspaceEventsOff(deps: ListenerDeps<PubSubTriggerOptions>): Promise<void> {
  const { fn, ports, logger } = deps;
  const kind = KEYSPACE.exec(fn.options.channel)?.[1];
  if (!kind) return;
  const flags = await ports.pubsub.keyspaceEventFlags().catch(() => undefined);
  if (flags === undefined) return; // CONFIG is not allowed on this server: nothing to check
  const needed = kind === 'space' ? 'K' : 'E';
  const hasClass = /[Ag$lshzxetmdn]/.test(flags);
  if (flags.includes(needed) && hasClass) return;
  logger.warn(
    { functionName: fn.name, channel: fn.options.channel, flags },
    `Function '${fn.name}' listens on '${fn.options.channel}', but keyspace notifications are off on this server ` +
      `(notify-keyspace-events is "${flags}"). Turn them on with: CONFIG SET notify-keyspace-events K${needed === 'E' ? 'E' : ''}A ` +
      `(the '${needed}' flag plus event classes, 'A' for all).`,
  );
}
