import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createClient } from 'redis';
import { ROOT, runCli, type CliProcess } from '../support/cli';
import { redisUrl, uniquePrefix } from '../support/redis-server';

const fixture = path.join(__dirname, '..', 'fixtures', 'pubsub-app');
const redis = createClient({ url: redisUrl() });
const running: CliProcess[] = [];

beforeAll(async () => {
  await redis.connect();
});
afterEach(() => {
  for (const cli of running.splice(0)) if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
});
afterAll(() => {
  redis.destroy();
});

const msg = (line: Record<string, unknown>): string => (typeof line['msg'] === 'string' ? line['msg'] : '');

describe('redis-func start (the CLI as a child process)', () => {
  it('lists the functions, runs them on published messages, and stops cleanly on SIGINT', async () => {
    const p = uniquePrefix('e2e');
    const cli = runCli(['start', '--script-root', fixture, '--json', '--port', '0'], {
      RedisConnectionString: redisUrl(),
      OrdersChannel: `${p}orders:*`,
    });
    running.push(cli);
    await cli.waitForLine((l) => msg(l) === 'Host started');
    expect(cli.text).toEqual([]); // with --json every line is JSON, the functions list too
    const listed = cli.lines.find((l) => msg(l).startsWith('Functions: '));
    expect(listed?.['functions']).toEqual(
      expect.arrayContaining([
        { name: 'onOrder', triggerType: 'redisPubSubTrigger', disabled: false },
        { name: 'onExact', triggerType: 'redisPubSubTrigger', disabled: false },
        { name: 'onKeyDel', triggerType: 'redisPubSubTrigger', disabled: false },
      ]),
    );

    expect(await redis.publish(`${p}orders:created`, 'hello')).toBe(1);
    await redis.publish(`${p}orders:created`, 'boom');
    const ok = await cli.waitForLine((l) =>
      /^Executed 'Functions\.onOrder' \(Succeeded, Id=[0-9a-f-]{36}, Duration=\d+ms\)$/.test(msg(l)),
    );
    const failed = await cli.waitForLine((l) => msg(l).startsWith("Executed 'Functions.onOrder' (Failed"));
    expect(ok['functionName']).toBe('onOrder');
    expect(JSON.stringify(failed)).toContain('order handler failed');
    expect(
      cli.lines.some(
        (l) => msg(l) === `order on ${p}orders:created: hello` && l['invocationId'] === ok['invocationId'],
      ),
    ).toBe(true);

    cli.child.kill('SIGINT');
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(cli.lines.some((l) => msg(l) === 'Host stopped')).toBe(true);
  });

  it('runs only the functions named with --functions', async () => {
    const cli = runCli(
      ['start', '--script-root', fixture, '--json', '--port', '0', '--functions', 'onExact'],
      {
        RedisConnectionString: redisUrl(),
        OrdersChannel: 'unused',
      },
    );
    running.push(cli);
    await cli.waitForLine((l) => msg(l) === 'Host started');
    const listed = cli.lines.find((l) => msg(l).startsWith('Functions: '));
    expect(listed?.['functions']).toEqual([
      { name: 'onExact', triggerType: 'redisPubSubTrigger', disabled: false },
    ]);
    cli.child.kill('SIGTERM');
    expect((await cli.exited).code).toBe(0);
  });

  it.each([
    ['no host.json', {}, 'RF_HOST_JSON_MISSING'],
    ['host.json that is not JSON', { 'host.json': '{ "version": ' }, 'RF_HOST_JSON_INVALID'],
    ['wrong host.json version', { 'host.json': '{ "version": "1.0" }' }, 'field "version" must be "2.0"'],
    [
      'an encrypted local.settings.json',
      { 'local.settings.json': '{ "IsEncrypted": true }' },
      'RF_LOCAL_SETTINGS_ENCRYPTED',
    ],
    ['an unknown trigger type', { 'index.js': fn('queueTrigger', {}) }, 'RF_TRIGGER_TYPE_UNKNOWN'],
    [
      'a trigger without channel',
      { 'index.js': fn('redisPubSubTrigger', { connection: 'R' }) },
      'option "channel" is required',
    ],
    [
      'a bad function name',
      { 'index.js': fn('redisPubSubTrigger', { connection: 'R', channel: 'c' }, '9lives') },
      'RF_FUNCTION_NAME_INVALID',
    ],
    [
      'an unparsable connection string',
      {
        'index.js': fn('redisPubSubTrigger', { connection: 'R', channel: 'c' }),
        R: 'host:99999,password=hunter2',
      },
      'RF_CONNECTION_STRING_INVALID',
    ],
  ])('refuses %s with one clear paragraph and exit code 1', async (_name, files, expected) => {
    // Inside the repo, so the app's require('@azure/functions') resolves as it would in a real app.
    mkdirSync(path.join(ROOT, '.redis-func'), { recursive: true });
    const dir = mkdtempSync(path.join(ROOT, '.redis-func', 'bad-app-'));
    const all: Record<string, string> = {
      'host.json': '{ "version": "2.0" }',
      'package.json': '{ "main": "index.js" }',
      'index.js': fn('redisPubSubTrigger', { connection: 'R', channel: 'c' }),
      ...files,
    };
    if (!('host.json' in files) && Object.keys(files).length === 0) delete all['host.json'];
    const env: Record<string, string> = { R: (files as Record<string, string>)['R'] ?? redisUrl() };
    for (const [name, content] of Object.entries(all))
      if (name !== 'R') writeFileSync(path.join(dir, name), content);
    const cli = runCli(['start', '--script-root', dir, '--json', '--port', '0'], env);
    running.push(cli);
    const { code } = await cli.exited;
    expect(code).toBe(1);
    const stderr = cli.stderr().trim();
    expect(stderr).toContain(expected);
    expect(stderr).toMatch(/^redis-func: error RF_[A-Z_]+: /);
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(stderr).not.toContain('hunter2');
  });
});

function fn(type: string, options: Record<string, unknown>, name = 'f'): string {
  return `const { app, trigger } = require('@azure/functions');
app.generic(${JSON.stringify(name)}, { trigger: trigger.generic(${JSON.stringify({ type, ...options })}), handler: () => undefined });`;
}
