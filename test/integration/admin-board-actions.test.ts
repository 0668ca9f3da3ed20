import { trigger } from '@azure/functions';
import { startAdminServer, type AdminServer } from '../../src/host/admin-server';
import type { InvocationRecord } from '../../src/invoke/invoker';
import { adminRequest } from '../support/admin-http';
import { hostOnRedis, type HostUnderTest } from '../support/host-on-redis';
import { redisForSuite } from '../support/redis-for-suite';
import { uniquePrefix } from '../support/redis-server';

const { redis } = redisForSuite();
const p = uniquePrefix('board-actions');
const retry = { strategy: 'fixedDelay', maxRetryCount: 1, delayInterval: 10 } as never;
/** Whether the dead-lettering functions still fail (they succeed once it is false). */
const failing = { stream: true, list: true };
const generic = (type: string, options: Record<string, unknown>) =>
  trigger.generic({ type, connection: 'RedisConnectionString', ...options });
const handler = (fn: () => unknown) => fn as never;

let h: HostUnderTest;
let admin: AdminServer;
beforeAll(async () => {
  h = await hostOnRedis({
    onChannel: {
      trigger: generic('redisPubSubTrigger', { channel: `${p}ch`, pattern: false }),
      handler: handler(() => 1),
    },
    onPattern: {
      trigger: generic('redisPubSubTrigger', { channel: `${p}pat:*` }),
      handler: handler(() => 1),
    },
    onList: {
      trigger: generic('redisListTrigger', { keys: `${p}l1 ${p}l2`, pollingIntervalInMs: 20 }),
      handler: handler(() => 1),
    },
    onStream: {
      trigger: generic('redisStreamTrigger', { key: `${p}s`, pollingIntervalInMs: 20 }),
      handler: handler(() => 1),
    },
    deadStream: {
      trigger: generic('redisStreamTrigger', { key: `${p}ds`, pollingIntervalInMs: 20 }),
      handler: handler(() => {
        if (failing.stream) throw new Error('stream handler failed');
      }),
      retry,
    },
    idleLists: {
      trigger: generic('redisListTrigger', {
        keys: `${p}m1 ${p}m2`,
        reliable: true,
        pollingIntervalInMs: 60_000,
      }),
      handler: handler(() => 1),
    },
    deadList: {
      trigger: generic('redisListTrigger', { keys: `${p}dl`, reliable: true, pollingIntervalInMs: 20 }),
      handler: handler(() => {
        if (failing.list) throw new Error('list handler failed');
      }),
      retry,
    },
  });
  admin = await startAdminServer(h.host, { port: 0, version: 'test' }, h.host.options.logger);
});
afterAll(async () => {
  await admin.close();
  await h.host.close();
});

const post = (path: string, body: unknown) =>
  adminRequest(admin.port, 'POST', `/admin/board/functions/${path}`, { body });
const get = (path: string) => adminRequest(admin.port, 'GET', `/admin/board/functions/${path}`);
const inputOf = (record: InvocationRecord): string => JSON.stringify(record.input);
const succeeded = (name: string, text: string) =>
  h.until(() =>
    h.records.find((r) => r.functionName === name && r.status === 'succeeded' && inputOf(r).includes(text)),
  );

describe('POST /admin/board/functions/<name>/send', () => {
  it('publishes to a Pub/Sub function: its channel, or for a pattern a channel that matches it', async () => {
    const exact = await post('onChannel/send', { message: 'hello exact' });
    expect(exact).toEqual({ status: 200, body: { command: 'PUBLISH', target: `${p}ch`, result: 1 } });
    await h.waitForLog((l) => l.msg === `Board: PUBLISH to '${p}ch' for 'onChannel'`);
    await succeeded('onChannel', 'hello exact');
    const matching = await post('onPattern/send', { message: 'hello pattern', channel: `${p}pat:7` });
    expect(matching.body).toEqual({ command: 'PUBLISH', target: `${p}pat:7`, result: 1 });
    await succeeded('onPattern', 'hello pattern');
  });

  it('refuses a pattern without a channel, a channel the pattern does not match, and a missing message', async () => {
    const missing = await post('onPattern/send', { message: 'x' });
    expect(missing.status).toBe(400);
    expect((missing.body as { error: string }).error).toContain(
      `"channel" is required: the function subscribes to the pattern '${p}pat:*'`,
    );
    const other = await post('onPattern/send', { message: 'x', channel: 'elsewhere' });
    expect(other.status).toBe(400);
    expect((other.body as { error: string }).error).toContain('does not match');
    expect((await post('onChannel/send', { channel: `${p}ch` })).status).toBe(400);
    expect((await post('onChannel/send', { message: 'x', channel: 'not-mine' })).status).toBe(400);
    expect((await post('nobody/send', { message: 'x' })).status).toBe(404);
  });

  it('pushes to a list function behind the waiting elements (RPUSH when it pops from the left), or to the end given', async () => {
    const queued = await post('onList/send', { message: 'behind' });
    expect(queued).toEqual({
      status: 200,
      body: { command: 'RPUSH', target: `${p}l1`, result: expect.any(Number) as number },
    });
    await succeeded('onList', 'behind');
    const left = await post('onList/send', { message: 'to the front', key: `${p}l2`, end: 'left' });
    expect(left.body).toMatchObject({ command: 'LPUSH', target: `${p}l2` });
    await succeeded('onList', 'to the front');
    expect((await post('onList/send', { message: 'x', key: 'other' })).status).toBe(400);
    expect((await post('onList/send', { message: 'x', end: 'middle' })).status).toBe(400);
  });

  it('adds an entry to a stream function (XADD *)', async () => {
    const added = await post('onStream/send', { fields: { order: '42', qty: 3 } });
    expect(added.status).toBe(200);
    expect(added.body).toEqual({
      command: 'XADD',
      target: `${p}s`,
      result: expect.stringMatching(/^\d+-\d+$/) as string,
    });
    await succeeded('onStream', '42');
    expect((await post('onStream/send', { fields: {} })).status).toBe(400);
    expect((await post('onStream/send', { fields: { a: { nested: true } } })).status).toBe(400);
    expect((await post('onStream/send', { message: 'no fields' })).status).toBe(400);
  });

  it('answers bad JSON and wrong methods with a JSON error, and the host keeps running', async () => {
    const bad = await adminRequest(admin.port, 'POST', '/admin/board/functions/onList/send', { headers: {} });
    expect(bad.status).toBe(400);
    expect(await adminRequest(admin.port, 'GET', '/admin/board/functions/onList/send')).toMatchObject({
      status: 405,
    });
    expect((await post('onList/send', [1, 2])).status).toBe(400);
    const huge = await post('onList/send', { message: 'x'.repeat(2 * 1024 * 1024) });
    expect(huge).toEqual({ status: 413, body: { error: 'The body is larger than 1048576 bytes.' } });
    const hugeInvoke = await adminRequest(admin.port, 'POST', '/admin/functions/onList', {
      body: { input: 'x'.repeat(2 * 1024 * 1024) },
    });
    expect(hugeInvoke.status).toBe(413);
    expect(await redis.lLen(`${p}l1`)).toBe(0);
    expect((await post('onList/send', { message: 'after the huge one' })).status).toBe(200);
    expect(h.host.state).toBe('running');
  });
});

interface DeadLetters {
  kind: string;
  keys: string[];
  total: number;
  items: {
    id: string;
    key: string;
    source: string;
    value?: string;
    fields?: Record<string, string>;
    error?: string;
    attempts?: number;
    function?: string;
  }[];
}

describe('dead letters: browse, requeue, purge', () => {
  it('a stream function: browse shows the entry and its error; requeued, it runs again and the dead-letter stream is empty', async () => {
    await redis.xAdd(`${p}ds`, '*', { order: 'poison' });
    await h.waitForLog((l) => l.msg.includes(`moved to '${p}ds:deadletter'`));
    const browsed = await get('deadStream/deadletters');
    expect(browsed.status).toBe(200);
    const letters = browsed.body as DeadLetters;
    expect(letters).toMatchObject({ kind: 'stream', keys: [`${p}ds:deadletter`], total: 1 });
    expect(letters.items[0]).toMatchObject({
      key: `${p}ds:deadletter`,
      source: `${p}ds`,
      fields: { order: 'poison' },
      error: 'stream handler failed',
      attempts: 2,
      function: 'deadStream',
    });
    failing.stream = false;
    expect(await post('deadStream/deadletters/requeue', { id: letters.items[0]?.id })).toEqual({
      status: 200,
      body: { requeued: 1 },
    });
    await h.waitForLog((l) => l.msg === "Board: 1 dead letter(s) of 'deadStream' requeued");
    await succeeded('deadStream', 'poison');
    expect(await redis.xLen(`${p}ds:deadletter`)).toBe(0);
    expect((await post('deadStream/deadletters/requeue', { id: letters.items[0]?.id })).status).toBe(404);
  });

  it('a reliable list function: requeued, the element runs again and the dead-letter list is empty', async () => {
    await redis.rPush(`${p}dl`, 'poison element');
    await h.waitForLog((l) => l.msg.includes(`moved to '${p}dl:deadletter'`));
    const letters = (await get('deadList/deadletters')).body as DeadLetters;
    expect(letters).toMatchObject({ kind: 'list', keys: [`${p}dl:deadletter`], total: 1 });
    const [item] = letters.items;
    expect(item).toMatchObject({
      key: `${p}dl:deadletter`,
      source: `${p}dl`,
      value: 'poison element',
      error: 'list handler failed',
      attempts: 2,
    });
    expect(item?.id).toMatch(new RegExp(`^${p}dl:deadletter#0:[0-9a-f]{16}$`));
    failing.list = false;
    expect((await post('deadList/deadletters/requeue', { id: item?.id })).body).toEqual({ requeued: 1 });
    await succeeded('deadList', 'poison element');
    expect(await redis.lLen(`${p}dl:deadletter`)).toBe(0);
  });

  it('requeues all, purges one and all; a list item whose index moved is still found by its digest', async () => {
    const dead = `${p}dl:deadletter`;
    const letter = (value: string) =>
      JSON.stringify({ value, key: `${p}dl`, function: 'deadList', error: 'e', attempts: 2 });
    await redis.rPush(dead, [letter('a'), letter('b'), letter('c')]);
    const letters = (await get('deadList/deadletters?count=2')).body as DeadLetters;
    expect(letters.total).toBe(3);
    expect(letters.items.map((i) => i.value)).toEqual(['a', 'b']);
    await redis.lPop(dead); // 'b' moves from index 1 to 0
    expect((await post('deadList/deadletters/purge', { id: letters.items[1]?.id })).body).toEqual({
      purged: 1,
    });
    expect(await redis.lRange(dead, 0, -1)).toEqual([letter('c')]);
    expect((await post('deadList/deadletters/purge', { id: letters.items[1]?.id })).status).toBe(404);
    await redis.rPush(dead, letter('d'));
    expect((await post('deadList/deadletters/requeue', { all: true })).body).toEqual({ requeued: 2 });
    await succeeded('deadList', '"d"');
    await succeeded('deadList', '"c"');
    await redis.xAdd(`${p}ds:deadletter`, '*', { id: '1-1', key: `${p}ds`, fields: '{"x":"1"}' });
    await redis.xAdd(`${p}ds:deadletter`, '*', { id: '1-2', key: `${p}ds`, fields: '{"x":"2"}' });
    expect((await post('deadStream/deadletters/purge', { all: true })).body).toEqual({ purged: 2 });
    expect(await redis.xLen(`${p}ds:deadletter`)).toBe(0);
  });

  it('requeues all over several dead-letter lists, each element to its own source', async () => {
    const letter = (value: string, key: string) =>
      JSON.stringify({ value, key, function: 'idleLists', error: 'e', attempts: 1 });
    const stranger = letter('stays', `${p}elsewhere`);
    await redis.rPush(`${p}m1:deadletter`, [stranger, letter('one', `${p}m1`)]);
    await redis.rPush(`${p}m2:deadletter`, letter('two', `${p}m2`));
    const browsed = (await get('idleLists/deadletters')).body as DeadLetters;
    expect(browsed.keys).toEqual([`${p}m1:deadletter`, `${p}m2:deadletter`]);
    expect(browsed.items.map((i) => [i.key, i.source, i.value])).toEqual([
      [`${p}m1:deadletter`, `${p}elsewhere`, 'stays'],
      [`${p}m1:deadletter`, `${p}m1`, 'one'],
      [`${p}m2:deadletter`, `${p}m2`, 'two'],
    ]);
    expect((await post('idleLists/deadletters/requeue', { all: true })).body).toEqual({
      requeued: 2,
      skipped: 1,
    });
    // The function polls once a minute: the requeued elements wait in their lists.
    expect(await redis.lRange(`${p}m1`, 0, -1)).toEqual(['one']);
    expect(await redis.lRange(`${p}m2`, 0, -1)).toEqual(['two']);
    expect(await redis.lRange(`${p}m1:deadletter`, 0, -1)).toEqual([stranger]);
    expect(await redis.lLen(`${p}m2:deadletter`)).toBe(0);
  });

  it('says why a function has no dead letters, and refuses ids of other keys', async () => {
    const pubsub = await get('onChannel/deadletters');
    expect(pubsub.status).toBe(404);
    expect((pubsub.body as { error: string }).error).toContain('Pub/Sub');
    const plainList = await get('onList/deadletters');
    expect(plainList.status).toBe(404);
    expect((plainList.body as { error: string }).error).toContain('reliable: true');
    expect((await post('deadList/deadletters/purge', { id: `${p}l1#0:0123456789abcdef` })).status).toBe(404);
    expect((await post('deadList/deadletters/purge', {})).status).toBe(400);
    expect((await post('deadList/deadletters/purge', { id: 'x', all: true })).status).toBe(400);
    await redis.set(`${p}m2:deadletter`, 'not a list');
    const wrongType = await get('idleLists/deadletters');
    expect(wrongType.status).toBe(502);
    expect((wrongType.body as { error: string }).error).toMatch(/^Redis: WRONGTYPE/);
    await redis.del(`${p}m2:deadletter`);
    expect((await get('idleLists/deadletters')).status).toBe(200);
  });

  it('keeps a dead letter it cannot requeue (a source that is not a key of the function, no original fields)', async () => {
    const dead = `${p}dl:deadletter`;
    const stranger = JSON.stringify({
      value: 'v',
      key: `${p}elsewhere`,
      function: 'deadList',
      error: 'e',
      attempts: 1,
    });
    await redis.rPush(dead, stranger);
    const [item] = ((await get('deadList/deadletters')).body as DeadLetters).items;
    const refused = await post('deadList/deadletters/requeue', { id: item?.id });
    expect(refused.status).toBe(409);
    expect((refused.body as { error: string }).error).toContain(`names '${p}elsewhere' as its source`);
    expect((await post('deadList/deadletters/requeue', { all: true })).body).toEqual({
      requeued: 0,
      skipped: 1,
    });
    expect(await redis.lRange(dead, 0, -1)).toEqual([stranger]);
    expect(await redis.exists(`${p}elsewhere`)).toBe(0);
    await redis.xAdd(`${p}ds:deadletter`, '*', { id: '1-1', key: `${p}ds`, fields: 'not json' });
    expect((await post('deadStream/deadletters/requeue', { all: true })).body).toEqual({
      requeued: 0,
      skipped: 1,
    });
    expect(await redis.xLen(`${p}ds:deadletter`)).toBe(1);
    expect((await post('deadList/deadletters/purge', { all: true })).body).toEqual({ purged: 1 });
    expect((await post('deadStream/deadletters/purge', { all: true })).body).toEqual({ purged: 1 });
    expect((await get('deadList/deadletters?count=-1')).status).toBe(400);
  });
});
