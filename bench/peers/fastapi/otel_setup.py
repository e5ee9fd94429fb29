"""OpenTelemetry for the FastAPI peer: traces, metrics and logs over OTLP/HTTP
(protobuf), configured by the standard OTEL_* environment variables.

The exporters read OTEL_EXPORTER_OTLP_ENDPOINT (default http://localhost:4318)
and the per-signal variants, the batch processors OTEL_BSP_* and OTEL_BLRP_*,
the metric reader OTEL_METRIC_EXPORT_INTERVAL.

OTEL_SDK_DISABLED=true turns telemetry off entirely: no providers (the API's
no-op tracer and meter serve the app's own spans and metrics), no HTTP
instrumentation, console logs only. The SDK alone does less: its providers
hand out no-op tracers, meters and loggers, but the FastAPI/ASGI middleware
still runs for every request and the batch processors' threads still start.
"""

import logging
import os
import sys
from dataclasses import dataclass

from opentelemetry import metrics, trace
from opentelemetry._logs import set_logger_provider
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.logging import LoggingInstrumentor
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

DEFAULT_SERVICE_NAME = "space-app-fastapi"

# Console lines carry the trace context, like the OTLP records do.
LOG_FORMAT = (
    "%(asctime)s %(levelname)s [%(name)s] "
    "[trace_id=%(otelTraceID)s span_id=%(otelSpanID)s] %(message)s"
)
PLAIN_LOG_FORMAT = "%(asctime)s %(levelname)s [%(name)s] %(message)s"


def sdk_disabled() -> bool:
    """True when OTEL_SDK_DISABLED is "true" (any case), as the SDK reads it."""
    return os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true"


@dataclass
class Telemetry:
    """The three providers; the app's lifespan shuts them down."""

    tracer_provider: TracerProvider
    meter_provider: MeterProvider
    logger_provider: LoggerProvider

    def shutdown(self) -> None:
        """Flushes and stops every signal: spans and logs first, so the
        final metric collection sees the last requests."""
        self.tracer_provider.shutdown()
        self.logger_provider.shutdown()
        self.meter_provider.shutdown()


def setup_telemetry() -> Telemetry | None:
    """Installs the global providers and bridges `logging` into OTel logs;
    with OTEL_SDK_DISABLED=true only configures console logging, and
    returns None."""
    if sdk_disabled():
        logging.basicConfig(level=logging.INFO, format=PLAIN_LOG_FORMAT, stream=sys.stdout)
        return None

    resource = Resource.create(
        {SERVICE_NAME: os.environ.get("OTEL_SERVICE_NAME") or DEFAULT_SERVICE_NAME}
    )

    # The lifespan shutdown owns the flush; no second one from atexit.
    tracer_provider = TracerProvider(resource=resource, shutdown_on_exit=False)
    tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(tracer_provider)

    meter_provider = MeterProvider(
        resource=resource,
        metric_readers=[PeriodicExportingMetricReader(OTLPMetricExporter())],
        shutdown_on_exit=False,
    )
    metrics.set_meter_provider(meter_provider)

    logger_provider = LoggerProvider(resource=resource, shutdown_on_exit=False)
    logger_provider.add_log_record_processor(BatchLogRecordProcessor(OTLPLogExporter()))
    set_logger_provider(logger_provider)

    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT, stream=sys.stdout)
    # Adds otelTraceID/otelSpanID to every record (the console format above)
    # and puts the OTLP LoggingHandler on the root logger; the handler stamps
    # each exported record with the active span's trace and span ids.
    LoggingInstrumentor().instrument(inject_trace_context=True)

    return Telemetry(tracer_provider, meter_provider, logger_provider)
