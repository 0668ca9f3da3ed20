import pino from 'pino';
import { trigger, type InvocationContext } from '@azure/functions';
import { resolveFunctions } from '../../../src/config/app-config';
import { parseHostJson } from '../../../src/config/host-json';
import { EMPTY_LOCAL_SETTINGS } from '../../../src/config/local-settings';
import { Settings } from '../../../src/config/settings';
import { FunctionHost } from '../../../src/host/function-host';
import type { InvocationRecord } from '../../../src/invoke/invoker';
import { definitionFromRegistration } from '../../../src/registration/from-core';
import { MemoryBroker } from '../../../src/testing';

/** A host with one list function that logs a line, on the in-memory broker (not started: invoke only). */
function hostWith(options: { onInvocation?: (r: InvocationRecord) => void; recordLogs?: boolean }) {
  const hostConfig = parseHostJson({ version: '2.0' });
  const settings = new Settings(EMPTY_LOCAL_SETTINGS, { Redis: 'redis://127.0.0.1:1' });
  const definition = definitionFromRegistration(
    {
      name: 'says',
      options: {
        trigger: trigger.generic({ type: 'redisListTrigger', connection: 'Redis', key: 'jobs' }),
        handler: (input: unknown, context: InvocationContext) => context.log('got', input),
      },
    },
    'test',
  );
  return new FunctionHost({
    host: hostConfig,
    functions: resolveFunctions([definition], settings, hostConfig),
    broker: new MemoryBroker().instance(0),
    logger: pino({ level: 'silent' }),
    ...options,
  });
}

describe('FunctionHost records', () => {
  it("keep the handler's log lines when someone receives them (onInvocation), unless told not to", async () => {
    const received: InvocationRecord[] = [];
    const watched = await hostWith({ onInvocation: (r) => received.push(r) }).invoke('says', 'x');
    const quiet = await hostWith({}).invoke('says', 'x');
    const optedOut = await hostWith({ onInvocation: () => undefined, recordLogs: false }).invoke('says', 'x');
    expect(received).toEqual([watched]);
    expect(watched.logs).toEqual([
      { level: 'information', message: "got { Trigger: 'jobs', Message: 'x' }" },
    ]);
    expect([quiet.logs, optedOut.logs]).toEqual([[], []]);
    for (const record of [watched, quiet, optedOut]) expect(record.invocationId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
