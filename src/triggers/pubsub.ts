import { errorMessage } from '../errors';
import type { TriggerValueFormat } from '../config/host-json';
import type { MessageEnding } from '../invoke/invoker';
import type { MessageClock } from '../invoke/run-clocks';
import { messageModel } from '../invoke/model';
import { CONNECTION_NAMES } from './binding-options';
import type { Subscription } from './ports';
import { DropReporter } from './pubsub-drops';
import { MessageFeed } from './pubsub-feed';
import { parsePubSubLoad, type PubSubLoadOptions } from './pubsub-options';
import type {
  Listener,
  ListenerDeps,
  ListenerState,
  ManualInput,
  TriggerOptions,
  TriggerSpec,
} from './trigger';

export interface PubSubTriggerOptions extends TriggerOptions, Subscription, PubSubLoadOptions {
  /** The function's value shape (host.json `triggerValueFormat`, else its programming model's default). */
  readonly valueFormat: TriggerValueFormat;
}

export const PUBSUB_TRIGGER = 'redisPubSubTrigger';

/**
 * `pattern` when the binding does not say: the seed docs describe PSUBSCRIBE (`true`); the 1.x
 * extension's default is `false` (SUBSCRIBE to the literal channel), used in `v1` mode.
 */
export function defaultPattern(valueFormat: TriggerValueFormat): boolean {
  return valueFormat !== 'v1';
}

export const pubSubTrigger: TriggerSpec<PubSubTriggerOptions> = {
  type: PUBSUB_TRIGGER,
  optionNames: [...CONNECTION_NAMES, 'channel', 'pattern', 'sharded', 'maxBacklog', 'concurrency'],
  parseOptions(binding, host, valueFormat) {
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
      // Sharded channels are exact.
      pattern: sharded ? false : binding.boolean(['pattern'], defaultPattern(valueFormat)),
      sharded,
      valueFormat,
      ...parsePubSubLoad(binding, host),
    });
  },
  createListener: (deps) => new PubSubListener(deps),
  manualInput: (options, message) => pubSubInput(options, options.channel, message),
  metadataNames: ['SubscriptionChannel', 'Channel', 'Message'],
};

/** The value the handler gets: `{ Trigger, Message }`, or the 1.x `{ SubscriptionChannel, Channel, Message }`. */
function pubSubInput(options: PubSubTriggerOptions, channel: string, message: string): ManualInput {
  const triggerMetadata = pubSubMetadata(options, channel, message);
  return { input: pubSubValue(options, triggerMetadata), triggerMetadata };
}

/** A message's trigger metadata (`context.triggerMetadata`). */
function pubSubMetadata(options: PubSubTriggerOptions, channel: string, message: string) {
  return { SubscriptionChannel: options.channel, Channel: channel, Message: message };
}

/** The handler's input, from the message's trigger metadata. */
function pubSubValue(options: PubSubTriggerOptions, metadata: ReturnType<typeof pubSubMetadata>): unknown {
  return options.valueFormat === 'v1' ? { ...metadata } : messageModel(metadata.Channel, metadata.Message);
}

/**
 * One subscription per function. Its messages run through a MessageFeed: one after another, in order (or
 * `concurrency` at once), with at most `maxBacklog` waiting; past that the oldest waiting message is
 * dropped and reported (DropReporter). Pub/Sub has no ack, so a message whose invocation fails is gone
 * (at-most-once).
 */
export class PubSubListener implements Listener {
  state: ListenerState = 'created';
  private unsubscribe: (() => Promise<void>) | undefined;
  private closing: Promise<void> | undefined;
  private readonly feed: MessageFeed;
  private readonly drops: DropReporter;
  /** Times the quick invocations of every Pub/Sub function together (see Invoker.messageClock). */
  private readonly clock: MessageClock;
  private reason = { channel: '', text: '' };
  /** Told when a message that ran on (its handler awaited) has ended: its feed goes on. */
  private readonly ending: MessageEnding;

  constructor(private readonly deps: ListenerDeps<PubSubTriggerOptions>) {
    const { fn, logger, metrics } = deps;
    const { maxBacklog, concurrency } = fn.options;
    this.clock = deps.invoker.messageClock;
    this.drops = new DropReporter({ functionName: fn.name, maxBacklog, logger, metrics });
    this.feed = new MessageFeed({
      concurrency,
      maxBacklog,
      run: (message, channel, resumed) => this.run(message, channel, resumed),
      dropped: () => this.drops.drop(),
      // what runs after a worker came back, in the same microtask checkpoint, is no invocation's time
      rested: () => this.clock.stale(),
    });
    const { feed } = this;
    this.ending = {
      resolved: () => feed.done(),
      rejected: (error) => {
        try {
          this.reportingFailed(error);
        } catch {
          // the logger itself failed: nobody to tell, and the feed must go on
        }
        feed.done();
      },
    };
  }

  /** Messages dropped so far because the backlog was full. */
  get dropped(): number {
    return this.drops.dropped;
  }

  async start(): Promise<void> {
    const { fn, ports, logger } = this.deps;
    this.state = 'starting';
    await warnIfKeyspaceEventsOff(this.deps);
    if (this.stopping) return; // closed while connecting: subscribe to nothing
    this.unsubscribe = await ports.pubsub.subscribe(fn.options, (message, channel) => {
      if (this.state === 'running' || this.state === 'starting') this.feed.push(message, channel);
    });
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
    await this.feed.idle(); // what was received runs: the backlog drains
    this.drops.close();
    this.state = 'closed';
  }

  /** One message's invocation: true when it ended at once; else its feed is told when it has (ending). */
  private run(message: string, channel: string, resumed: boolean): boolean {
    if (resumed) this.clock.stale(); // what ran during the await is nobody's time
    const { fn, invoker } = this.deps;
    try {
      const triggerMetadata = pubSubMetadata(fn.options, channel, message);
      const input = pubSubValue(fn.options, triggerMetadata);
      const reason = this.reasonFor(channel);
      return invoker.invokeMessage(fn, input, triggerMetadata, reason, this.clock, this.ending);
    } catch (error) {
      this.reportingFailed(error);
      return true;
    }
  }

  /** Only reporting an outcome throws (an onInvocation callback): logged, and the next message runs. */
  private reportingFailed(error: unknown): void {
    this.deps.logger.error(
      { functionName: this.deps.fn.name, err: errorMessage(error) },
      `Reporting an invocation of '${this.deps.fn.name}' failed`,
    );
  }

  /** `New Redis message on channel <channel>`, made once per run of messages of one channel. */
  private reasonFor(channel: string): string {
    if (channel !== this.reason.channel) {
      this.reason = { channel, text: `New Redis message on channel ${channel}` };
    }
    return this.reason.text;
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
