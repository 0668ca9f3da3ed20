import { EMPTY_LOCAL_SETTINGS } from '../../../src/config/local-settings';
import { Settings } from '../../../src/config/settings';
import { startTelemetry } from '../../../src/cli/telemetry';
import { tracingRegistered } from '../../../src/invoke/tracing';
import { createLogger } from '../../../src/logging';
import { HostMetrics } from '../../../src/metrics/host-metrics';

const logger = createLogger({ json: true, level: 'silent' });
const settings = (values: Record<string, string>, env: Record<string, string> = {}): Settings =>
  new Settings({ ...EMPTY_LOCAL_SETTINGS, values }, env);
const start = (s: Settings) => startTelemetry(s, __dirname, new HostMetrics(), logger);

describe('startTelemetry: export as configured', () => {
  it('is off when neither an OTLP endpoint nor an Application Insights connection string is set', () => {
    expect(start(settings({}))).toBeUndefined();
    expect(tracingRegistered()).toBe(false);
  });

  it('is off when OTEL_SDK_DISABLED is true, whatever else is set', () => {
    const disabled = settings(
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' },
      { OTEL_SDK_DISABLED: 'true' },
    );
    expect(start(disabled)).toBeUndefined();
    expect(tracingRegistered()).toBe(false);
  });

  it.each([
    ['local.settings.json Values', settings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' })],
    ['the environment', settings({}, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:9/v1/traces' })],
  ])(
    'registers an SDK exporting over OTLP when the endpoint is set in %s, until shut down',
    async (_where, s) => {
      const telemetry = start(s);
      expect(telemetry?.exporters).toEqual(['otlp']);
      expect(tracingRegistered()).toBe(true);
      await telemetry?.shutdown();
      expect(tracingRegistered()).toBe(false);
    },
  );
});
