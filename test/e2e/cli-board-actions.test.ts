import path from 'node:path';
import { runCli, type CliProcess } from '../support/cli';
import { redisUrl, uniquePrefix } from '../support/redis-server';

const listApp = path.join(__dirname, '..', 'fixtures', 'list-app');
const running: CliProcess[] = [];
afterEach(() => {
  for (const cli of running.splice(0)) if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
});

const msg = (line: Record<string, unknown>): string => (typeof line['msg'] === 'string' ? line['msg'] : '');

describe('redis-func start: the board actions', () => {
  it('sends a test message through the first instance of a group and refuses a cross-origin one', async () => {
    const key = `${uniquePrefix('e2e-board')}jobs`;
    const cli = runCli(['start', '--script-root', listApp, '--json', '--port', '0', '--instances', '2'], {
      RedisConnectionString: redisUrl(),
      ListKey: key,
      ResultsKey: `${key}:results`,
    });
    running.push(cli);
    const listening = await cli.waitForLine((l) => msg(l).startsWith('Admin API listening'));
    const url = `http://127.0.0.1:${Number(listening['port'])}/admin/board/functions/onJob/send`;
    const send = (headers: Record<string, string>) =>
      fetch(url, { method: 'POST', body: JSON.stringify({ message: 'from the board' }), headers });
    expect((await send({ origin: 'http://evil.example' })).status).toBe(403);
    const sent = await send({ 'content-type': 'application/json' });
    expect(await sent.json()).toEqual({ command: 'RPUSH', target: key, result: 1 });
    await cli.waitForLine((l) => msg(l) === `handled from the board of ${key}`);
    expect(cli.lines.filter((l) => msg(l).startsWith('handled '))).toHaveLength(1);
    cli.child.kill('SIGINT');
    expect((await cli.exited).code).toBe(0);
  });
});
