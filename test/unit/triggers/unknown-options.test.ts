import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { output, trigger } from '@azure/functions';
import { Writable } from 'node:stream';
import { FunctionApp, RedisListTrigger, registrationsOf } from '../../../src';
import { resolveFunction } from '../../../src/config/app-config';
import { parseHostJson } from '../../../src/config/host-json';
import { EMPTY_LOCAL_SETTINGS } from '../../../src/config/local-settings';
import { Settings } from '../../../src/config/settings';
import { ConfigError } from '../../../src/errors';
import { createLogger } from '../../../src/logging';
import { definitionFromRegistration } from '../../../src/registration/from-core';
import { loadFunctionJsonApp } from '../../../src/registration/function-json';
import { BindingOptions } from '../../../src/triggers/binding-options';
import { listTrigger } from '../../../src/triggers/list';
import { pubSubTrigger } from '../../../src/triggers/pubsub';
import { streamTrigger } from '../../../src/triggers/stream';
import { closestName, warnUnknownOptions } from '../../../src/triggers/unknown-options';

const host = parseHostJson({ version: '2.0' });
const settings = new Settings(EMPTY_LOCAL_SETTINGS, {});

function generic(name: string, options: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return definitionFromRegistration(
    {
      name,
      options: { trigger: trigger.generic(options as never), handler: () => undefined, ...extra },
    },
    'functions/app.js',
  );
}

function unknownOf(definition: ReturnType<typeof generic>) {
  return (resolveFunction(definition, settings, host).unknownOptions ?? []).map((u) => [
    u.option,
    u.suggestion,
  ]);
}

/** Warnings logged by warnUnknownOptions, as JSON lines. */
function warnings(fns: Parameters<typeof warnUnknownOptions>[0]): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  warnUnknownOptions(fns, createLogger({ json: true, destination }));
  return lines;
}

describe('unknown trigger and binding options', () => {
  it('names a misspelled app.generic option and the closest known one, once per function', () => {
    const fn = resolveFunction(
      generic('onOrder', {
        type: 'redisPubSubTrigger',
        connection: 'Redis',
        channel: 'orders:*',
        chanel: 'orders:*',
        patern: false,
      }),
      settings,
      host,
    );
    expect(fn.unknownOptions?.map((u) => [u.option, u.suggestion])).toEqual([
      ['chanel', 'channel'],
      ['patern', 'pattern'],
    ]);
    const [line, ...more] = warnings([fn]);
    expect(more).toEqual([]);
    expect(line).toMatchObject({
      level: 'warn',
      functionName: 'onOrder',
      unknownOptions: ['chanel', 'patern'],
      suggestions: ['channel', 'pattern'],
    });
    expect(line?.['msg']).toBe(
      `Function 'onOrder' (functions/app.js): "chanel" is not an option of redisPubSubTrigger and is ignored; ` +
        `did you mean "channel"?; "patern" is not an option of redisPubSubTrigger and is ignored; did you mean "pattern"?`,
    );
  });

  it('suggests consumerGroup for consumerGroupName, and nothing for a name close to no option', () => {
    expect(
      unknownOf(
        generic('s', {
          type: 'redisStreamTrigger',
          connection: 'R',
          key: 'k',
          consumerGroupName: 'g',
          colour: 'blue',
        }),
      ),
    ).toEqual([
      ['consumerGroupName', 'consumerGroup'],
      ['colour', undefined],
    ]);
  });

  it('knows every documented option and alias in any case, and the generic binding properties', () => {
    expect(
      unknownOf(
        generic('l', {
          type: 'redisListTrigger',
          ConnectionStringSetting: 'R',
          KEYS: 'a b',
          maxbatchsize: 5,
          ListDirection: 'right',
          dataType: 'string',
          sdkBinding: false,
        }),
      ),
    ).toEqual([]);
    expect(
      unknownOf(generic('p', { type: 'redisPubSubTrigger', connectionString: 'R', Channel: 'c' })),
    ).toEqual([]);
  });

  it('checks redis input and output bindings too', () => {
    const definition = generic(
      'copy',
      { type: 'redisStreamTrigger', connection: 'R', key: 'events' },
      { return: output.generic({ type: 'redis', connection: 'R', comand: 'SET', command: 'SET' }) },
    );
    const [found] = resolveFunction(definition, settings, host).unknownOptions ?? [];
    expect(found).toMatchObject({ binding: '$return', option: 'comand', suggestion: 'command' });
    expect(warnings([resolveFunction(definition, settings, host)])[0]?.['msg']).toContain(
      `"comand" is not an option of binding '$return' and is ignored; did you mean "command"?`,
    );
  });

  it('checks decorated methods (a JavaScript user can misspell what TypeScript types)', () => {
    @FunctionApp()
    class Jobs {
      @RedisListTrigger({ connection: 'R', key: 'jobs', ...{ relaible: true } })
      processJob(): void {}
    }
    const [registration] = registrationsOf(Jobs) ?? [];
    if (!registration) throw new Error('no registration');
    expect(unknownOf(definitionFromRegistration(registration, 'Jobs.processJob'))).toEqual([
      ['relaible', 'reliable'],
    ]);
  });

  it('checks function.json bindings', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'rf-unknown-'));
    mkdirSync(path.join(root, 'F'));
    writeFileSync(path.join(root, 'F', 'index.js'), 'module.exports = async () => undefined;');
    writeFileSync(
      path.join(root, 'F', 'function.json'),
      JSON.stringify({
        bindings: [
          {
            type: 'redisListTrigger',
            name: 'element',
            direction: 'in',
            connection: 'R',
            key: 'jobs',
            pollingIntervalMs: 100,
          },
        ],
      }),
    );
    const [definition] = loadFunctionJsonApp(root);
    if (!definition) throw new Error('no function');
    expect(unknownOf(definition)).toEqual([['pollingIntervalMs', 'pollingIntervalInMs']]);
  });

  it('turns a misspelled required option into a hint in the error', () => {
    let error: unknown;
    try {
      resolveFunction(
        generic('x', { type: 'redisPubSubTrigger', connection: 'R', chanel: 'c' }),
        settings,
        host,
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(
      `Function 'x' (functions/app.js): option "channel" is required (the binding has "chanel"; did you mean "channel"?).`,
    );
  });

  it.each([pubSubTrigger, listTrigger, streamTrigger].map((spec) => [spec.type, spec] as const))(
    '%s reads every option it lists',
    (_type, spec) => {
      const values: Record<string, unknown> = {
        channel: 'c',
        keys: 'a',
        key: 'a',
        listPopFromBeginning: true,
        listDirection: 'left',
        mode: 'polling',
        cardinality: 'one',
        consumerGroup: 'g',
        deadLetterKey: '{key}:dl',
      };
      const booleans = ['pattern', 'sharded', 'reliable', 'deleteAfterProcess', 'deadLetter'];
      const binding: Record<string, unknown> = { type: spec.type, name: 'b', direction: 'in' };
      for (const name of spec.optionNames) {
        binding[name] =
          values[name] ?? (booleans.includes(name) ? false : name.startsWith('conn') ? 'R' : 500);
      }
      if (spec === pubSubTrigger) binding['pattern'] = true;
      if (spec !== pubSubTrigger) binding['deadLetter'] = true;
      const options = new BindingOptions('f', binding as never, settings, 'f.js');
      spec.parseOptions(options, host, 'messageModel');
      expect(options.unknownOptions([])).toEqual([]);
    },
  );

  it('finds close names ignoring case', () => {
    expect(closestName('CHANEL', ['channel', 'pattern'])).toBe('channel');
    expect(closestName('batchsize', ['batchSize'])).toBe('batchSize');
    expect(closestName('deadLetterKeys', ['key', 'deadLetterKey'])).toBe('deadLetterKey');
    expect(closestName('deadLetterQueue', ['key'])).toBeUndefined();
  });
});
