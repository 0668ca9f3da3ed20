import { messageModel } from '../invoke/model';
import type { ListTriggerOptions } from './list-options';
import type { ListElement } from './ports';
import type { ManualInput } from './trigger';

/**
 * One element's value and metadata: `RedisMessageModel { Trigger: key, Message: element }` (or the element
 * itself with triggerValueFormat v1, as 1.x hands it to non-.NET workers), metadata `{ Key, Value }`.
 */
export function elementInput(options: ListTriggerOptions, element: ListElement): ManualInput {
  return {
    input: elementValue(options, element),
    triggerMetadata: { Key: element.key, Value: element.value },
  };
}

/** What the handler gets for one element. */
function elementValue(options: ListTriggerOptions, element: ListElement): unknown {
  return options.valueFormat === 'v1' ? element.value : messageModel(element.key, element.value);
}

/** Elements of one key as one invocation (`cardinality: 'many'`): an array, metadata `{ Key, Count, Values }`. */
export function elementsInput(options: ListTriggerOptions, elements: readonly ListElement[]): ManualInput {
  return {
    input: elements.map((element) => elementValue(options, element)),
    triggerMetadata: {
      Key: elements[0]?.key ?? '',
      Count: elements.length,
      Values: elements.map((element) => element.value),
    },
  };
}
