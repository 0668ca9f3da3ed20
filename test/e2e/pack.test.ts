import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createClient } from 'redis';
import { findTrigger } from '../../src/triggers/registry';
import { ROOT, runCli, type CliProcess } from '../support/cli';
import { redisUrl, uniquePrefix } from '../support/redis-server';

const BIN = path.join(ROOT, 'bin', 'redis-func.js');
const fixture = path.join(__dirname, '..', 'fixtures', 'pack-app');
const redis = createClient({ url: redisUrl() });
let cli: CliProcess | undefined;

beforeAll(async () => {
  await redis.connect();
});
afterEach(async () => {
  await stop(cli);
  cli = undefined;
});
afterAll(() => redis.destroy());

function pack(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [BIN, 'pack', ...args], { cwd: ROOT, encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** An output folder with node_modules as `npm install` would leave it (links to this checkout). */
function packInto(scriptRoot: string): { out: string; stdout: string } {
  const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'redis-func-pack-')), 'deploy');
  const result = pack(['--script-root', scriptRoot, '--out', out]);
  expect(result).toMatchObject({ status: 0, stderr: '' });
  mkdirSync(path.join(out, 'node_modules', '@azure'), { recursive: true });
  symlinkSync(
    path.join(ROOT, 'node_modules', '@azure', 'functions'),
    path.join(out, 'node_modules', '@azure', 'functions'),
  );
  symlinkSync(ROOT, path.join(out, 'node_modules', 'redis-func'));
  return { out, stdout: result.stdout };
}

function functionJson(
  out: string,
  name: string,
): { bindings: Record<string, unknown>[]; scriptFile: string } {
  return JSON.parse(readFileSync(path.join(out, name, 'function.json'), 'utf8')) as {
    bindings: Record<string, unknown>[];
    scriptFile: string;
  };
}

async function stop(process: CliProcess | undefined): Promise<void> {
  if (!process || process.child.exitCode !== null) return;
  process.child.kill('SIGTERM');
  await process.exited;
}

const msg = (line: Record<string, unknown>): string => (typeof line['msg'] === 'string' ? line['msg'] : '');

describe('redis-func pack', () => {
  it('packs the sample app: host.json with the bundle, package.json without main, 1.x Pub/Sub bindings, shims', () => {
    const { out, stdout } = packInto(ROOT);
    expect(readdirSync(out).sort()).toEqual(
      expect.arrayContaining(['dist', 'host.json', 'package.json', 'redis-func.pack.json', 'onOrderCreated']),
    );
    expect(readdirSync(out)).not.toContain('bin');
    const host = JSON.parse(readFileSync(path.join(out, 'host.json'), 'utf8'));
    expect(host).toMatchObject({
      version: '2.0',
      extensionBundle: { id: 'Microsoft.Azure.Functions.ExtensionBundle', version: '[4.*, 5.0.0)' },
      extensions: { redis: { triggerValueFormat: 'v1' } },
    });
    const pkg = JSON.parse(readFileSync(path.join(out, 'package.json'), 'utf8'));
    expect(pkg.main).toBeUndefined();
    expect(pkg.dependencies).toMatchObject({
      'redis-func': expect.any(String),
      '@azure/functions': expect.any(String),
    });
    for (const [name, channel, pattern] of [
      ['onOrderCreated', 'orders:created', false],
      ['onOrderEvent', 'orders:*', true],
      ['onNotification', 'notifications', false],
      ['onKeyDeleted', '__keyevent@0__:del', true],
    ] as const) {
      const json = functionJson(out, name);
      expect(json.scriptFile).toBe('index.js');
      expect(json.bindings).toEqual([
        {
          type: 'redisPubSubTrigger',
          direction: 'in',
          name: expect.any(String),
          connection: 'RedisConnectionString',
          channel,
          pattern,
        },
      ]);
      expect(readFileSync(path.join(out, name, 'index.js'), 'utf8')).toContain(
        "require('redis-func/pack-runtime')",
      );
    }
    expect(stdout).toMatch(/RedisConnectionString\s+Redis connection string/);
    expect(stdout).not.toContain('redis://');
  });

  it('packs every trigger and binding with the 1.x names, one function per list key, and a differences table', () => {
    const { out, stdout } = packInto(fixture);
    expect(functionJson(out, 'onOrder').bindings).toEqual([
      {
        type: 'redisPubSubTrigger',
        direction: 'in',
        name: expect.any(String),
        connection: 'RedisConnectionString',
        channel: '%PackPrefix%orders',
        pattern: false,
      },
      {
        type: 'redis',
        direction: 'in',
        name: 'stock',
        connection: 'RedisConnectionString',
        command: 'GET {Message}',
      },
      {
        type: 'redis',
        direction: 'out',
        name: '$return',
        connection: 'RedisConnectionString',
        command: 'SET',
      },
    ]);
    for (const key of ['a', 'b']) {
      expect(functionJson(out, `onJob-jobs-${key}`).bindings).toEqual([
        {
          type: 'redisListTrigger',
          direction: 'in',
          name: expect.any(String),
          connection: 'RedisConnectionString',
          key: `%PackPrefix%jobs:${key}`,
          pollingIntervalInMs: 100,
          maxBatchSize: 5,
          listDirection: 'right',
          dataType: 'binary',
        },
        {
          type: 'redis',
          direction: 'out',
          name: 'done',
          connection: 'RedisConnectionString',
          command: 'RPUSH',
        },
      ]);
    }
    expect(functionJson(out, 'onEvent').bindings).toEqual([
      {
        type: 'redisStreamTrigger',
        direction: 'in',
        name: expect.any(String),
        connection: 'RedisConnectionString',
        key: '%PackPrefix%events',
        pollingIntervalInMs: 100,
        maxBatchSize: 5,
      },
      {
        type: 'redis',
        direction: 'in',
        name: 'length',
        connection: 'RedisConnectionString',
        command: 'XLEN {Key}',
      },
      { type: 'redis', direction: 'out', name: 'copy', connection: 'RedisConnectionString', command: 'SET' },
    ]);
    expect(readdirSync(out)).toEqual(expect.arrayContaining(['functions', 'lib']));
    expect(stdout).toMatch(/differs\s+onOrder\s+retry/);
    expect(stdout).toMatch(/note\s+host\.json\s+extensions\.redis\.shutdownGracePeriod/);
    expect(stdout).toMatch(/note\s+onJob\s+keys:/);
    expect(stdout).toMatch(/PackPrefix\s+referenced as %PackPrefix%/);
  });

  it('--strict refuses an app with options that behave differently in Azure, and writes nothing', () => {
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'redis-func-pack-')), 'deploy');
    const result = pack(['--script-root', fixture, '--out', out, '--strict']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('RF_PACK_REFUSED');
    expect(result.stderr).toContain('onOrder retry');
    expect(() => readdirSync(out)).toThrow();
  });

  it('leaves a non-empty --out that holds no earlier pack alone', () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'redis-func-pack-'));
    writeFileSync(path.join(out, 'precious.txt'), 'keep me');
    const result = pack(['--script-root', fixture, '--out', out]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('RF_PACK_OUT_DIR');
    expect(readdirSync(out)).toEqual(['precious.txt']);
  });
});

/** What handlers logged with `seen {...}`, with the run's prefix and stream ids made comparable. */
function seenLines(process: CliProcess, prefix: string): unknown[] {
  return process.lines
    .map(msg)
    .filter((m) => m.startsWith('seen '))
    .map((m): unknown =>
      JSON.parse(
        m
          .slice(5)
          .split(prefix)
          .join('<p>')
          .replace(/\d+-\d+/g, '<id>'),
      ),
    )
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

describe('a packed app run under redis-func start (triggerValueFormat v1, so the shims get the 1.x shapes)', () => {
  const hasLists = findTrigger('redisListTrigger') !== undefined;
  const hasStreams = findTrigger('redisStreamTrigger') !== undefined;

  async function runFixture(
    scriptRoot: string,
    functions: readonly string[],
  ): Promise<{ seen: unknown[]; stored: unknown }> {
    const p = uniquePrefix('pack');
    cli = runCli(
      ['start', '--script-root', scriptRoot, '--json', '--port', '0', '--functions', ...functions],
      {
        RedisConnectionString: redisUrl(),
        PackPrefix: p,
      },
    );
    await cli.waitForLine((l) => msg(l) === 'Host started');
    await redis.set(`${p}sku1`, '5');
    await redis.publish(`${p}orders`, `${p}sku1`);
    if (hasStreams) await redis.xAdd(`${p}events`, '*', { n: '1', kind: 'created' });
    if (hasLists) await redis.rPush(`${p}jobs:b`, ['job-1', 'job-2']);
    const expected = 1 + (hasStreams ? 1 : 0) + (hasLists ? 2 : 0);
    await cli.waitForLine(() => cli!.lines.filter((l) => msg(l).startsWith('Executed ')).length >= expected);
    const seen = seenLines(cli, p);
    const stored = {
      order: await redis.get(`${p}order:${p}sku1`),
      copy: hasStreams ? await redis.get(`${p}copy:1`) : null,
      done: hasLists ? (await redis.lRange(`${p}done`, 0, -1)).sort() : null,
      failed: cli.lines.filter((l) => msg(l).includes('(Failed')).map(msg),
    };
    await stop(cli);
    return { seen, stored };
  }

  it('the fixture: same invocations, models, trigger metadata and outputs as the unpacked app', async () => {
    const { out } = packInto(fixture);
    const names = ['onOrder', ...(hasStreams ? ['onEvent'] : [])];
    const unpacked = await runFixture(fixture, [...names, ...(hasLists ? ['onJob'] : [])]);
    const packed = await runFixture(out, [...names, ...(hasLists ? ['onJob-jobs-a', 'onJob-jobs-b'] : [])]);
    expect(unpacked.seen.length).toBe(1 + (hasStreams ? 1 : 0) + (hasLists ? 2 : 0));
    expect(packed).toEqual(unpacked);
    expect(unpacked.stored).toMatchObject({ order: 'stock=5', failed: [] });
    if (hasStreams) expect(unpacked.stored).toMatchObject({ copy: '{"n":"1","kind":"created"}' });
    if (!hasLists)
      console.warn('redisListTrigger is not registered yet: the list part of the round trip was skipped');
  });

  it('the sample app: the same handler logs for the same messages', async () => {
    const { out } = packInto(ROOT);
    const id = uniquePrefix('order').replace(/[^a-z0-9]/gi, '');
    const logs = async (scriptRoot: string): Promise<string[]> => {
      cli = runCli(
        [
          'start',
          '--script-root',
          scriptRoot,
          '--json',
          '--port',
          '0',
          '--functions',
          'onOrderCreated',
          'onOrderEvent',
          'onNotification',
        ],
        {
          RedisConnectionString: redisUrl(),
        },
      );
      await cli.waitForLine((l) => msg(l) === 'Host started');
      await redis.publish('orders:created', JSON.stringify({ id, total: 3 }));
      await redis.publish('notifications', `hello ${id}`);
      await cli.waitForLine((l) => msg(l).startsWith(`Notification #`) && msg(l).includes(id));
      await cli.waitForLine((l) => msg(l).includes(`Order event 'created'`) && msg(l).includes(id));
      await cli.waitForLine((l) => msg(l).startsWith(`New order ${id}`));
      const mine = cli.lines
        .map(msg)
        .filter((m) => m.includes(id))
        .sort();
      await stop(cli);
      return mine;
    };
    const unpacked = await logs(ROOT);
    expect(unpacked).toHaveLength(3);
    expect(await logs(out)).toEqual(unpacked);
  });
});
