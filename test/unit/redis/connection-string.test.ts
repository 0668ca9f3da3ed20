import { ConfigError, ErrorCodes } from '../../../src/errors';
import { describeEndpoint, parseConnectionString } from '../../../src/redis/connection-string';

describe('parseConnectionString', () => {
  it('reads a StackExchange.Redis string with password, ssl and sslHost', () => {
    const e = parseConnectionString(
      'contoso.redis.cache.windows.net:6380,password=s3cret,ssl=True,abortConnect=False,sslHost=alt.example,defaultDatabase=2,connectTimeout=3000,user=app',
      'Redis',
    );
    expect(e).toMatchObject({
      host: 'contoso.redis.cache.windows.net',
      port: 6380,
      tls: true,
      servername: 'alt.example',
      username: 'app',
      password: 's3cret',
      database: 2,
      connectTimeoutMs: 3000,
      abortConnect: false,
    });
  });

  it('defaults the port to 6379, or 6380 with ssl, and accepts options in any case', () => {
    expect(parseConnectionString('localhost', 'R')).toMatchObject({
      host: 'localhost',
      port: 6379,
      tls: false,
    });
    expect(parseConnectionString('host,SSL=true', 'R')).toMatchObject({ port: 6380, tls: true });
    expect(parseConnectionString('[::1]:7000', 'R')).toMatchObject({ host: '::1', port: 7000 });
  });

  it('reads redis:// and rediss:// URLs with credentials and database', () => {
    expect(parseConnectionString('rediss://user:p%40ss@cache.example:10000/3', 'R')).toMatchObject({
      host: 'cache.example',
      port: 10000,
      tls: true,
      username: 'user',
      password: 'p@ss',
      database: 3,
    });
    expect(parseConnectionString('redis://127.0.0.1', 'R')).toMatchObject({
      port: 6379,
      tls: false,
      database: 0,
    });
  });

  it.each([
    ['', 'it is empty'],
    ['host:notaport', 'port "notaport" is not 1-65535'],
    ['host:70000', 'port "70000" is not 1-65535'],
    ['host,frobnicate=1', 'unknown option "frobnicate"'],
    ['host,ssl=maybe', 'ssl must be true or false'],
    ['password=x', 'it names no host'],
    ['redis://host/abc', 'the database "abc" is not a number'],
  ])('refuses %j with a message naming the setting', (text, problem) => {
    let caught: unknown;
    try {
      parseConnectionString(text, 'MySetting');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).code).toBe(ErrorCodes.CONNECTION_STRING_INVALID);
    expect((caught as ConfigError).message).toContain(`setting 'MySetting'`);
    expect((caught as ConfigError).message).toContain(problem);
  });

  it('never puts the password in the error or the description', () => {
    expect(() => parseConnectionString('host:1,password=topsecret,bogus=1', 'R')).toThrow(
      /^(?!.*topsecret)/s,
    );
    expect(describeEndpoint(parseConnectionString('redis://u:topsecret@h:1', 'R'))).toBe('h:1');
  });
});
