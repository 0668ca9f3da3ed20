/** The value a Redis trigger hands to the function (the extension's `RedisMessageModel`). */
export interface RedisMessageModel {
  /** The channel the message arrived on, or the list / stream key. */
  readonly Trigger: string;
  /** The payload, the list element, or the stream entry's fields as a JSON object string. */
  readonly Message: string;
}

export function messageModel(trigger: string, message: string): RedisMessageModel {
  return { Trigger: trigger, Message: message };
}
