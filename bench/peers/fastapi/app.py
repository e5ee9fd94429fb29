"""space-app in Python: a FastAPI service instrumented with OpenTelemetry.

The benchmark peer of the Deno service. Run it with
    uvicorn app:app --app-dir bench/peers/fastapi --no-access-log
Telemetry goes over OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT
(default http://localhost:4318); OTEL_SDK_DISABLED=true turns it off
entirely. See otel_setup.py.
"""

import asyncio
import logging
import random
import time
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import FastAPI, HTTPException, Query
from opentelemetry import metrics, trace
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.trace import Status, StatusCode
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from otel_setup import setup_telemetry

telemetry = setup_telemetry()

logger = logging.getLogger("space-app")
tracer = trace.get_tracer("space-app")
meter = metrics.get_meter("space-app")

requests_total = meter.create_counter(
    "app_requests_total", description="Requests served, by route."
)
request_errors_total = meter.create_counter(
    "app_request_errors_total",
    description="Requests answered with a 5xx status, by route.",
)
request_duration_ms = meter.create_histogram(
    "app_request_duration_ms",
    unit="ms",
    description="Request duration in milliseconds, by route.",
)

DEFAULT_WORK_MS = 200
MAX_WORK_MS = 10_000
WARNING_RATE = 0.05
# Requests that matched no route share one label (bounded cardinality).
UNMATCHED_ROUTE = "unmatched"


class RequestMetricsMiddleware:
    """Counts requests and 5xx answers and times them, by route template."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            # The router puts the matched route into the (shared) scope.
            route = scope.get("route")
            attributes = {"route": getattr(route, "path", UNMATCHED_ROUTE)}
            requests_total.add(1, attributes)
            if status >= 500:
                request_errors_total.add(1, attributes)
            request_duration_ms.record(
                (time.perf_counter() - started) * 1000, attributes
            )


@asynccontextmanager
async def lifespan(_app: FastAPI):
    yield
    # uvicorn is shutting down (SIGTERM/SIGINT): export what is still queued.
    if telemetry is not None:
        telemetry.shutdown()


app = FastAPI(title="space-app", lifespan=lifespan)
app.add_middleware(RequestMetricsMiddleware)


@app.get("/")
async def root() -> dict:
    with tracer.start_as_current_span("root-handler"):
        logger.info("hello from space-app")
        return {"ok": True, "msg": "Hello from space-app"}


@app.get("/work")
async def work(
    ms: Annotated[int, Query(ge=0, le=MAX_WORK_MS)] = DEFAULT_WORK_MS,
) -> dict:
    with tracer.start_as_current_span("compute", attributes={"work.ms": ms}):
        started = time.perf_counter()
        await asyncio.sleep(ms / 1000)
        if random.random() < WARNING_RATE:
            logger.warning("intermittent issue observed", extra={"work.ms": ms})
        latency_ms = round((time.perf_counter() - started) * 1000, 2)
        return {"ok": True, "work_ms": ms, "latency_ms": latency_ms}


@app.get("/error")
async def error() -> dict:
    with tracer.start_as_current_span("boom") as span:
        try:
            raise RuntimeError("boom")
        except RuntimeError as exc:
            span.record_exception(exc)
            span.set_status(Status(StatusCode.ERROR, str(exc)))
            logger.exception("boom")
    raise HTTPException(status_code=500, detail="boom")


if telemetry is not None:
    FastAPIInstrumentor.instrument_app(app)
