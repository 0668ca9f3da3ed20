import { CONNECTION_NAMES } from './binding-options';
import { elementInput, elementsInput } from './list-input';
import { ListListener } from './list-listener';
import { parseListOptions, type ListTriggerOptions } from './list-options';
import { requireScalePort } from './ports';
import { perInstance, type TriggerSpec } from './trigger';

export { LIST_DEFAULTS, type ListReadMode, type ListTriggerOptions } from './list-options';

export const LIST_TRIGGER = 'redisListTrigger';

export const listTrigger: TriggerSpec<ListTriggerOptions> = {
  type: LIST_TRIGGER,
  optionNames: [
    ...CONNECTION_NAMES,
    'keys',
    'key',
    'pollingIntervalInMs',
    'batchSize',
    'maxBatchSize',
    'listPopFromBeginning',
    'listDirection',
    'messagesPerWorker',
    'mode',
    'reliable',
    'heartbeatTimeoutMs',
    'cardinality',
    'concurrency',
    'deadLetter',
    'deadLetterKey',
  ],
  parseOptions: parseListOptions,
  createListener: (deps) => new ListListener(deps),
  manualInput: (options, message) => {
    const element = { key: options.keys[0] ?? '', value: message };
    return options.cardinality === 'many'
      ? elementsInput(options, [element])
      : elementInput(options, element);
  },
  metadataNames: ['Key', 'Value'],
  scaleSample: async (options, ports) => {
    const scale = requireScalePort(ports);
    const backlog = await scale.listBacklog(options.keys);
    const pending = options.reliable ? await scale.listPending?.(options.keys) : undefined;
    return { backlog, ...perInstance(options), ...(pending === undefined ? {} : { pending }) };
  },
};
