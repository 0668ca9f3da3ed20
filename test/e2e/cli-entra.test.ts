import path from 'node:path';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../src/redis/embedded-server';
import { runCli, type CliProcess } from '../support/cli';

const fixture = path.join(__dirname, '..', 'fixtures', 'pubsub-app');
const running: CliProcess[] = [];
let server: EmbeddedRedis;

beforeAll(async () => {
  server = await startEmbeddedRedis();
});
afterEach(() => {
  for (const cli of running.splice(0)) if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
});
afterAll(async () => {
  await server.stop();
});

describe('redis-func start: Microsoft Entra ID connections', () => {
  it('stops with the setting and the cause when no credential is found, never starting a private server', async () => {
    const cli = runCli(['start', '--script-root', fixture, '--json', '--port', '0'], {
      OrdersChannel: 'o:*',
      REDIS_URL: '',
      RedisConnectionString: '',
      // ssl=False: the test server has no TLS (a StackExchange option redisHostName may carry).
      RedisConnectionString__redisHostName: `127.0.0.1:${server.port},ssl=False`,
      RedisConnectionString__principalId: '00000000-0000-0000-0000-000000000001',
      // Nothing DefaultAzureCredential could use: no Azure environment variables, no az / azd / pwsh.
      AZURE_CLIENT_ID: '',
      AZURE_TENANT_ID: '',
      AZURE_CLIENT_SECRET: '',
      IDENTITY_ENDPOINT: '',
      MSI_ENDPOINT: '',
      PATH: path.dirname(process.execPath),
    });
    running.push(cli);
    expect((await cli.exited).code).toBe(1);
    expect(cli.stderr()).toMatch(
      /^redis-func: error RF_ENTRA_CREDENTIAL_UNAVAILABLE: No Microsoft Entra ID credential was found for the connection 'RedisConnectionString' \(DefaultAzureCredential, user 00000000-0000-0000-0000-000000000001\): .*az login/,
    );
    expect(cli.stderr().trim().split('\n')).toHaveLength(1);
    expect(JSON.stringify([cli.lines, cli.text])).not.toContain('private redis-server');
  }, 60_000);
});
