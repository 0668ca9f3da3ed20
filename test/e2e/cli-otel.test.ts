import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createClient } from 'redis';
import { runCli, type CliProcess } from '../support/cli';
import { redisUrl, uniquePrefix } from '../support/redis-server';

const fixture = path.join(__dirname, '..', 'fixtures', 'otel-app');
const redis = createClient({ url: redisUrl() });
const running: CliProcess[] = [];

/** A span as OTLP/JSON carries it (ids in hex). */
interface OtlpSpan {
  readonly name: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly kind: number;
  readonly attributes: { key: string; value: Record<string, unknown> }[];
}

/** An OTLP/HTTP receiver on a free port: keeps what the exporters post to /v1/traces and /v1/metrics. */
class OtlpReceiver {
  readonly spans: OtlpSpan[] = [];
  readonly metricNames = new Set<string>();
  readonly contentTypes = new Set<string>();
  private readonly server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      this.contentTypes.add(String(req.headers['content-type']));
      const payload = JSON.parse(body) as Record<string, unknown[]>;
      if (req.url === '/v1/traces') this.spans.push(...spansOf(payload));
      if (req.url === '/v1/metrics') for (const name of metricNamesOf(payload)) this.metricNames.add(name);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });

  async listen(): Promise<string> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function spansOf(payload: Record<string, unknown[]>): OtlpSpan[] {
  const resourceSpans = (payload['resourceSpans'] ?? []) as { scopeSpans: { spans: OtlpSpan[] }[] }[];
  return resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
}

function metricNamesOf(payload: Record<string, unknown[]>): string[] {
  const resourceMetrics = (payload['resourceMetrics'] ?? []) as {
    scopeMetrics: { metrics: { name: string }[] }[];
  }[];
  return resourceMetrics.flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics.map((m) => m.name)));
}

const attribute = (span: OtlpSpan | undefined, key: string): unknown => {
  const value = span?.attributes.find((a) => a.key === key)?.value;
  return value && Object.values(value)[0];
};

const msg = (line: Record<string, unknown>): string => (typeof line['msg'] === 'string' ? line['msg'] : '');

beforeAll(async () => {
  await redis.connect();
});
afterEach(() => {
  for (const cli of running.splice(0)) if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
});
afterAll(() => {
  redis.destroy();
});

describe('redis-func start exporting OpenTelemetry over OTLP/HTTP', () => {
  it("sends the invocation span continuing a stream entry's traceparent, the user's span under it, and host metrics", async () => {
    const receiver = new OtlpReceiver();
    const endpoint = await receiver.listen();
    try {
      const p = uniquePrefix('otel');
      const cli = runCli(['start', '--script-root', fixture, '--json', '--port', '0'], {
        RedisConnectionString: redisUrl(),
        StreamKey: `${p}s`,
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
        OTEL_SERVICE_NAME: 'otel-e2e',
      });
      running.push(cli);
      const started = await cli.waitForLine((l) => msg(l).startsWith('OpenTelemetry: exporting'));
      expect(started['exporters']).toEqual(['otlp']);
      await cli.waitForLine((l) => msg(l) === 'Host started');
      const listening = await cli.waitForLine((l) => msg(l).startsWith('Admin API listening'));

      const producerTrace = '0af7651916cd43dd8448eb211c80319c';
      const producerSpan = 'b7ad6b7169203331';
      const id = await redis.xAdd(`${p}s`, '*', {
        order: '1',
        traceparent: `00-${producerTrace}-${producerSpan}-01`,
      });
      await cli.waitForLine((l) => msg(l).startsWith("Executed 'Functions.onEntry' (Succeeded"));
      const scraped = await (await fetch(`http://127.0.0.1:${Number(listening['port'])}/metrics`)).text();
      expect(scraped).toContain('redis_func_invocations_total{function="onEntry",status="succeeded"} 1');
      cli.child.kill('SIGINT'); // stopping flushes the batched spans and the last metrics
      expect(await cli.exited).toEqual({ code: 0, signal: null });

      const invocation = receiver.spans.find((s) => s.name === 'onEntry');
      expect(invocation).toMatchObject({ traceId: producerTrace, parentSpanId: producerSpan, kind: 5 }); // CONSUMER
      expect(attribute(invocation, 'messaging.message.id')).toBe(id);
      expect(attribute(invocation, 'messaging.destination.name')).toBe(`${p}s`);
      expect(attribute(invocation, 'faas.trigger')).toBe('pubsub');
      const user = receiver.spans.find((s) => s.name === 'user work');
      expect(user).toMatchObject({ traceId: producerTrace, parentSpanId: invocation?.spanId });
      expect(attribute(user, 'entry.id')).toBe(id);
      expect([...receiver.metricNames]).toEqual(
        expect.arrayContaining(['redis_func_invocations', 'redis_func_invocation_duration']),
      );
      expect([...receiver.contentTypes]).toEqual(['application/json']);
    } finally {
      await receiver.close();
    }
  });

  it('names the package to install when export is configured and the SDK cannot be loaded', async () => {
    const cli = runCli(['start', '--script-root', fixture, '--json', '--port', '0'], {
      RedisConnectionString: redisUrl(),
      StreamKey: 'unused',
      APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=00000000-0000-0000-0000-000000000000',
    });
    running.push(cli);
    const { code } = await cli.exited;
    expect(code).not.toBe(0);
    expect(cli.stderr() + JSON.stringify(cli.lines)).toContain(
      'APPLICATIONINSIGHTS_CONNECTION_STRING is set, so redis-func exports telemetry with @azure/monitor-opentelemetry, which is not installed',
    );
  });
});
