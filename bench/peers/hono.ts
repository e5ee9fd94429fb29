/**
 * The floor of the bench: bare Hono on `Deno.serve`, answering `GET /` as
 * the service does, with nothing else (no telemetry, no logging, no
 * middleware). Listens on HOST:PORT; stops on SIGTERM once in-flight
 * requests are answered.
 *
 * @module
 */
import { Hono } from "hono";

const app = new Hono();
app.get("/", (c) => c.json({ ok: true, msg: "Hello from space-app" }));

const server = Deno.serve({
  hostname: Deno.env.get("HOST") ?? "127.0.0.1",
  port: Number(Deno.env.get("PORT") ?? 8000),
  onListen() {},
}, app.fetch);
Deno.addSignalListener("SIGTERM", () => void server.shutdown());
