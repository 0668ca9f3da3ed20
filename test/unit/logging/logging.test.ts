import { createLogger, flushLogs } from '../../../src/logging';
import { formatPrettyLine } from '../../../src/logging-pretty';

function capture(json: boolean, verbose = false) {
  const lines: string[] = [];
  const logger = createLogger({
    json,
    verbose,
    level: 'debug',
    destination: { write: (line: string) => lines.push(line) },
  });
  return { logger, lines };
}

const time = Date.parse('2026-12-01T10:00:00.000Z');

describe('log lines', () => {
  it('show Redis key names and redact credentials', () => {
    const { logger, lines } = capture(true);
    logger.warn(
      {
        key: 'jobs',
        list: 'jobs',
        password: 'hunter2',
        conn: { connectionString: 'x,password=y', token: 't' },
      },
      'moved',
    );
    const line = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
    expect(line).toMatchObject({
      key: 'jobs',
      list: 'jobs',
      password: '[redacted]',
      conn: { connectionString: '[redacted]', token: '[redacted]' },
    });
  });

  it('pretty: one line per event as func start prints it, fields only where they help', async () => {
    const { logger, lines } = capture(false);
    logger.info(
      { functionName: 'x', invocationId: 'abc' },
      "Executing 'Functions.x' (Reason='New Redis message', Id=abc)",
    );
    logger.warn({ err: 'connect ECONNREFUSED 127.0.0.1:6399', setting: 'R' }, 'Still waiting for Redis');
    logger.child({ instance: 1 }).error({ err: new Error('boom') }, "Executed 'Functions.x' (Failed)");
    await flushLogs(logger);
    const text = lines.join('');
    const out = text.split('\n').filter((l) => l !== '');
    expect(out).toHaveLength(3);
    expect(out[0]).toMatch(
      /^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\] Executing 'Functions\.x' \(Reason='New Redis message', Id=abc\)$/,
    );
    expect(out[1]).toMatch(/\] Warning: Still waiting for Redis \(connect ECONNREFUSED 127\.0\.0\.1:6399\)$/);
    expect(out[2]).toMatch(/\] \[instance 1\] Error: Executed 'Functions\.x' \(Failed\) \(boom\)$/);
  });

  it('pretty --verbose: every field on the same line', () => {
    const json = JSON.stringify({
      level: 'info',
      time,
      msg: 'Created consumer group',
      functionName: 'f',
      stream: 'orders stream',
      count: 2,
    });
    expect(formatPrettyLine(json, { verbose: true })).toBe(
      '[2026-12-01T10:00:00.000Z] Created consumer group functionName=f stream="orders stream" count=2',
    );
    expect(formatPrettyLine(json)).toBe('[2026-12-01T10:00:00.000Z] Created consumer group');
  });

  it('pretty: colours by level on a terminal', () => {
    const json = JSON.stringify({ level: 'warn', time, msg: 'careful' });
    expect(formatPrettyLine(json, { colorize: true })).toBe(
      '\x1b[33m[2026-12-01T10:00:00.000Z] Warning: careful\x1b[0m',
    );
  });
});
