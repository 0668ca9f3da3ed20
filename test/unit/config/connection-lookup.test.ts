import { planConnections } from '../../../src/config/connection-check';
import { parseLocalSettings } from '../../../src/config/local-settings';
import { Settings } from '../../../src/config/settings';
import { ErrorCodes } from '../../../src/errors';

const file = (values: Record<string, string>, connectionStrings: Record<string, string> = {}) =>
  parseLocalSettings({ IsEncrypted: false, Values: values, ConnectionStrings: connectionStrings });

/** Where `Redis` is found: the value and the key it was found under. */
function found(settings: Settings, name = 'Redis') {
  const lookup = settings.lookupConnection(name);
  return { value: lookup.value?.value, section: lookup.section, source: lookup.value?.source };
}

describe('connection lookup, in the order of the WebJobs SDK (GetWebJobsConnectionSection)', () => {
  // Every step set, then each removed in turn: what remains decides.
  const steps: [string, Record<string, string>][] = [
    ['ConnectionStrings:AzureWebJobsRedis', { 'ConnectionStrings:AzureWebJobsRedis': 'step1:1' }],
    ['AzureWebJobsRedis', { AzureWebJobsRedis: 'step2:2' }],
    ['ConnectionStrings:Redis', { 'ConnectionStrings:Redis': 'step3:3' }],
    ['Redis', { Redis: 'step4:4' }],
  ];

  it.each(steps.map((_, i) => [i]))('step %i wins over every later step', (first) => {
    const env = Object.assign({}, ...steps.slice(first).map(([, e]) => e)) as Record<string, string>;
    const settings = new Settings(file({}), env);
    expect(found(settings)).toEqual({
      value: `step${first + 1}:${first + 1}`,
      section: steps[first]?.[0],
      source: `environment variable ${Object.keys(steps[first]?.[1] ?? {})[0]}`,
    });
  });

  it('reads ConnectionStrings from the environment as ConnectionStrings__name, ConnectionStrings:name or CUSTOMCONNSTR_name', () => {
    for (const name of ['ConnectionStrings__Redis', 'ConnectionStrings:Redis', 'CUSTOMCONNSTR_Redis']) {
      const settings = new Settings(file({}), { [name]: 'cs:1', Redis: 'plain:1' });
      expect(found(settings)).toMatchObject({ value: 'cs:1', section: 'ConnectionStrings:Redis' });
    }
  });

  it('prefers the AzureWebJobs-prefixed name even from an app setting over a plain ConnectionStrings entry', () => {
    const settings = new Settings(file({ AzureWebJobsRedis: 'prefixed:1' }, { Redis: 'cs:1' }), {});
    expect(found(settings)).toEqual({
      value: 'prefixed:1',
      section: 'AzureWebJobsRedis',
      source: 'local.settings.json Values.AzureWebJobsRedis',
    });
  });

  it('takes local.settings.json ConnectionStrings before Values, and the environment before the file', () => {
    const local = file({ Redis: 'values:1' }, { Redis: 'file-cs:1' });
    expect(found(new Settings(local, {}))).toMatchObject({
      value: 'file-cs:1',
      source: 'local.settings.json ConnectionStrings.Redis',
    });
    expect(found(new Settings(local, { ConnectionStrings__Redis: 'env-cs:1' }))).toMatchObject({
      value: 'env-cs:1',
    });
    expect(found(new Settings(file({ Redis: 'values:1' }), { Redis: 'env:1' }))).toMatchObject({
      value: 'env:1',
    });
  });

  it('compares names ignoring case, as .NET configuration does', () => {
    expect(found(new Settings(file({}), { REDIS: 'upper:1' }))).toMatchObject({ value: 'upper:1' });
  });

  it('sees a section with only <name>__* settings (identity connections) as existing: it shadows later steps', () => {
    const settings = new Settings(file({}), {
      AzureWebJobsRedis__redisHostName: 'x.redis.azure.net',
      Redis: 'r:1',
    });
    const lookup = settings.lookupConnection('Redis');
    expect(lookup.section).toBe('AzureWebJobsRedis');
    expect(lookup.value).toBeUndefined();
    expect(lookup.children.map((c) => c.child)).toEqual(['redisHostName']);
  });

  it('finds nothing, naming every key it looked for', () => {
    const lookup = new Settings(file({}), {}).lookupConnection('Redis');
    expect(lookup.section).toBeUndefined();
    expect(lookup.searched).toEqual([
      'ConnectionStrings:AzureWebJobsRedis',
      'AzureWebJobsRedis',
      'ConnectionStrings:Redis',
      'Redis',
    ]);
  });
});

describe('planConnections: a private redis-server only when nothing is configured', () => {
  const users = (...names: string[]) => new Map(names.map((n) => [n, [`fn_${n}`]]));
  const plan = (settings: Settings, ...names: string[]) =>
    planConnections(settings, users(...names), { embedded: true });

  it('starts private servers when no connection resolves and nothing looks like Redis', () => {
    const settings = new Settings(
      file({ Channel: 'orders:*', AzureWebJobsStorage: 'UseDevelopmentStorage=true' }),
      {
        HOSTNAME: 'box',
        PATH: '/usr/bin',
      },
    );
    expect([...plan(settings, 'Redis', 'Other').embedded]).toEqual(['Redis', 'Other']);
  });

  it('refuses a misspelled setting while another holds a Redis, naming function, setting, where it looked, and the close name', () => {
    const settings = new Settings(file({ RedisConnectionString: 'cache:6380,password=secret,ssl=True' }), {});
    let error: unknown;
    try {
      plan(settings, 'RedisConnection');
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: ErrorCodes.CONNECTION_NOT_FOUND, field: 'RedisConnection' });
    const message = (error as Error).message;
    expect(message).toContain(`Function 'fn_RedisConnection' (connection 'RedisConnection')`);
    expect(message).toContain('ConnectionStrings:AzureWebJobsRedisConnection, AzureWebJobsRedisConnection');
    expect(message).toContain(
      `Did you mean 'RedisConnectionString' (local.settings.json Values.RedisConnectionString)?`,
    );
    expect(message).not.toContain('secret');
  });

  it("refuses a missing setting when another function's setting resolves, even to a plain host:port", () => {
    const settings = new Settings(file({}), { Cache: 'localhost:6379' });
    expect(() => plan(settings, 'Cache', 'Missing')).toThrow(
      expect.objectContaining({ code: ErrorCodes.CONNECTION_NOT_FOUND, field: 'Missing' }),
    );
  });

  it.each([
    ['a redis:// URL', { SOMETHING: 'redis://cache:6379' }],
    ['an Azure cache host', { Cache: 'x.redis.cache.windows.net:6380,password=p' }],
    ['host:port with StackExchange options', { Other: 'h:6379,abortConnect=false' }],
    ['a name that says Redis', { MyRedisConn: '10.0.0.5:6379' }],
    ['an identity connection', { Other__redisHostName: 'x.redis.azure.net' }],
  ])('counts %s as configured', (_what, env) => {
    expect(() => plan(new Settings(file({}), env), 'Redis')).toThrow(
      expect.objectContaining({ code: ErrorCodes.CONNECTION_NOT_FOUND }),
    );
  });

  it('never starts a private server for an identity-based connection; incomplete identity settings are refused', () => {
    const settings = new Settings(
      file({ Redis__redisHostName: 'x.redis.azure.net', Redis__principalId: 'id' }),
      {},
    );
    expect(plan(settings, 'Redis').embedded.size).toBe(0);
    const noPrincipal = new Settings(file({ Redis__redisHostName: 'x.redis.azure.net' }), {});
    expect(() => plan(noPrincipal, 'Redis')).toThrow(
      expect.objectContaining({
        code: ErrorCodes.CONNECTION_IDENTITY_INVALID,
        field: 'Redis__principalId',
        message: expect.stringContaining("(connection 'Redis')") as unknown,
      }),
    );
    const noHost = new Settings(file({ Redis__principalId: 'id', Redis__clientId: 'c' }), {});
    expect(() => plan(noHost, 'Redis')).toThrow(
      expect.objectContaining({
        code: ErrorCodes.CONNECTION_IDENTITY_INVALID,
        field: 'Redis__redisHostName',
      }),
    );
    const other = new Settings(file({ Redis__tlsCaFile: '/ca.pem' }), {});
    expect(() => plan(other, 'Redis')).toThrow(
      expect.objectContaining({ code: ErrorCodes.CONNECTION_NOT_FOUND, field: 'Redis' }),
    );
  });

  it('refuses a connection string together with __redisHostName, as the extension does ("Found both")', () => {
    const settings = new Settings(file({ Redis: 'h:6379', Redis__redisHostName: 'x.redis.azure.net' }), {});
    expect(() => plan(settings, 'Redis')).toThrow(
      expect.objectContaining({
        code: ErrorCodes.CONNECTION_AMBIGUOUS,
        message: expect.stringContaining('found both') as unknown,
      }),
    );
  });

  it('never plans a private server when embedding is off', () => {
    expect(() => planConnections(new Settings(file({}), {}), users('Redis'), { embedded: false })).toThrow(
      expect.objectContaining({ code: ErrorCodes.CONNECTION_NOT_FOUND }),
    );
  });
});
