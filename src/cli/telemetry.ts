import { createRequire } from 'node:module';
import path from 'node:path';
import { metrics, trace } from '@opentelemetry/api';
import type * as MetricExporterModule from '@opentelemetry/exporter-metrics-otlp-http';
import type * as TraceExporterModule from '@opentelemetry/exporter-trace-otlp-http';
import type * as ResourcesModule from '@opentelemetry/resources';
import type * as MetricsModule from '@opentelemetry/sdk-metrics';
import type * as TraceModule from '@opentelemetry/sdk-trace-node';
import type { Settings } from '../config/settings';
import { ErrorCodes, RedisFuncError, errorMessage } from '../errors';
import type { Logger } from '../logging';
import type { HostMetrics } from '../metrics/host-metrics';

/** The OTLP/HTTP packages `redis-func start` loads when an OTLP endpoint is configured. */
export const OTLP_PACKAGES = [
  '@opentelemetry/sdk-trace-node',
  '@opentelemetry/exporter-trace-otlp-http',
  '@opentelemetry/sdk-metrics',
  '@opentelemetry/exporter-metrics-otlp-http',
  '@opentelemetry/resources',
] as const;
export const AZURE_MONITOR_PACKAGE = '@azure/monitor-opentelemetry';

/** An exporting set-up, flushed and stopped when the host stops. */
export interface Telemetry {
  /** Where spans and metrics go: `otlp`, `azure-monitor`, or both. */
  readonly exporters: readonly ('otlp' | 'azure-monitor')[];
  /** Flushes and stops the SDK; never rejects (a failed flush is logged as a warning). */
  shutdown(): Promise<void>;
}

interface AzureMonitorModule {
  useAzureMonitor(options: Record<string, unknown>): void;
  shutdownAzureMonitor(): Promise<void>;
}

/**
 * Registers an OpenTelemetry SDK when the app's settings (environment or local.settings.json Values) ask
 * for export: `OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (OTLP/HTTP, configured
 * by the standard `OTEL_*` variables) and `APPLICATIONINSIGHTS_CONNECTION_STRING` (Azure Monitor). Off
 * (undefined) when neither is set or `OTEL_SDK_DISABLED` is true. The SDK packages are optional peer
 * dependencies, loaded from the app's folder (then redis-func's own) only when configured.
 */
export function startTelemetry(
  settings: Settings,
  scriptRoot: string,
  hostMetrics: HostMetrics,
  logger: Logger,
): Telemetry | undefined {
  if (settings.get('OTEL_SDK_DISABLED')?.trim().toLowerCase() === 'true') return undefined;
  const otlp =
    settings.get('OTEL_EXPORTER_OTLP_ENDPOINT') !== undefined ||
    settings.get('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') !== undefined;
  const connectionString = settings.get('APPLICATIONINSIGHTS_CONNECTION_STRING');
  if (!otlp && connectionString === undefined) return undefined;
  const load = loader(scriptRoot);
  const serviceName = settings.get('OTEL_SERVICE_NAME') ?? path.basename(scriptRoot);
  const parts = otlp ? otlpParts(load, settings, serviceName) : undefined;
  let shutdown: () => Promise<void>;
  if (connectionString !== undefined) {
    const azure = load<AzureMonitorModule>(AZURE_MONITOR_PACKAGE, 'APPLICATIONINSIGHTS_CONNECTION_STRING');
    azure.useAzureMonitor({
      azureMonitorExporterOptions: { connectionString },
      ...(parts ? { spanProcessors: [parts.spans], metricReaders: [parts.reader] } : {}),
    });
    shutdown = () => azure.shutdownAzureMonitor();
  } else if (parts) {
    const provider = new parts.trace.NodeTracerProvider({
      resource: parts.resource,
      spanProcessors: [parts.spans],
    });
    provider.register();
    const meters = new parts.metrics.MeterProvider({ resource: parts.resource, readers: [parts.reader] });
    metrics.setGlobalMeterProvider(meters);
    shutdown = async () => {
      await provider.shutdown();
      await meters.shutdown();
    };
  } else return undefined;
  hostMetrics.exportTo(metrics.getMeter('redis-func'));
  const exporters = [
    ...(otlp ? ['otlp' as const] : []),
    ...(connectionString ? ['azure-monitor' as const] : []),
  ];
  logger.info({ exporters }, `OpenTelemetry: exporting traces and metrics to ${exporters.join(' and ')}`);
  return {
    exporters,
    shutdown: async () => {
      try {
        await shutdown();
      } catch (error) {
        // an unreachable collector must not make a clean stop fail: say what was not sent
        logger.warn(
          { err: errorMessage(error) },
          'OpenTelemetry: the last spans and metrics could not be sent',
        );
      } finally {
        trace.disable();
        metrics.disable();
      }
    },
  };
}

/** The OTLP/HTTP span processor and metric reader, and the modules that made them. */
function otlpParts(load: Loader, settings: Settings, serviceName: string) {
  const why = 'OTEL_EXPORTER_OTLP_ENDPOINT';
  const traceSdk = load<typeof TraceModule>('@opentelemetry/sdk-trace-node', why);
  const traceExporter = load<typeof TraceExporterModule>('@opentelemetry/exporter-trace-otlp-http', why);
  const metricsSdk = load<typeof MetricsModule>('@opentelemetry/sdk-metrics', why);
  const metricExporter = load<typeof MetricExporterModule>('@opentelemetry/exporter-metrics-otlp-http', why);
  const resources = load<typeof ResourcesModule>('@opentelemetry/resources', why);
  const resource = resources
    .defaultResource()
    .merge(resources.resourceFromAttributes({ 'service.name': serviceName }))
    .merge(resources.detectResources({ detectors: [resources.envDetector] }));
  const interval = Number(settings.get('OTEL_METRIC_EXPORT_INTERVAL') ?? 60_000);
  return {
    trace: traceSdk,
    metrics: metricsSdk,
    resource,
    spans: new traceSdk.BatchSpanProcessor(new traceExporter.OTLPTraceExporter()),
    reader: new metricsSdk.PeriodicExportingMetricReader({
      exporter: new metricExporter.OTLPMetricExporter(),
      exportIntervalMillis: Number.isFinite(interval) && interval > 0 ? interval : 60_000,
    }),
  };
}

type Loader = <T>(name: string, why: string) => T;

/** Requires a package from the app's folder, else from redis-func's; a clear error names a missing one. */
function loader(scriptRoot: string): Loader {
  const requires = [createRequire(path.join(scriptRoot, 'package.json')), createRequire(__filename)];
  return <T>(name: string, why: string): T => {
    for (const require of requires) {
      try {
        return require(name) as T;
      } catch (error) {
        if ((error as { code?: unknown }).code !== 'MODULE_NOT_FOUND') throw error;
      }
    }
    const all = name === AZURE_MONITOR_PACKAGE ? [name] : [...OTLP_PACKAGES];
    throw new RedisFuncError(
      ErrorCodes.TELEMETRY_PACKAGE_MISSING,
      `${why} is set, so redis-func exports telemetry with ${name}, which is not installed. Install it in ` +
        `the app (npm install --save-dev ${all.join(' ')}), or unset ${why} to run without export.`,
      { isUserError: true },
    );
  };
}
