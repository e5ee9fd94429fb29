/**
 * Running external programs (docker, kubectl) behind an interface, so the
 * engine detection and the skip path are tested with a fake runner.
 *
 * @module
 */

/** What a finished command left behind. */
export interface CommandResult {
  /** Exit code; 127 when the program is missing, 124 on timeout. */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The program is not on PATH. */
  readonly notFound?: boolean;
  /** Killed after its timeout. */
  readonly timedOut?: boolean;
}

/** Options of one command. */
export interface CommandOptions {
  readonly cwd?: string;
  /** Kill the command after this long. */
  readonly timeoutMs?: number;
}

/** A long-running child (a port-forward): its output so far, and a way to stop it. */
export interface Background {
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Resolves with the exit code when it ends. */
  readonly exited: Promise<number>;
  /** Ends it (SIGTERM) and waits. */
  stop(): Promise<void>;
}

/** Runs programs; {@link denoRunner} for real, fakes in tests. */
export interface CommandRunner {
  /** Runs to completion with output captured. */
  output(
    argv: readonly string[],
    options?: CommandOptions,
  ): Promise<CommandResult>;
  /** Runs to completion with output shown on the terminal; resolves with the exit code. */
  inherit(argv: readonly string[], options?: CommandOptions): Promise<number>;
  /** Starts a long-running command. */
  spawn(argv: readonly string[], options?: CommandOptions): Background;
}

const decoder = new TextDecoder();

function notFound(program: string): CommandResult {
  return {
    code: 127,
    stdout: "",
    stderr: `${program}: not found on PATH`,
    notFound: true,
  };
}

function killQuietly(child: Deno.ChildProcess, signal: Deno.Signal) {
  try {
    child.kill(signal);
  } catch {
    // already gone
  }
}

/** Reads a stream to the end as text; can be cancelled part way. */
function reader(stream: ReadableStream<Uint8Array>) {
  const r = stream.getReader();
  let text = "";
  const read = async () => {
    try {
      while (true) {
        const { done, value } = await r.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
    } catch {
      // cancelled
    }
    return text;
  };
  return {
    text: read(),
    sofar: () => text,
    cancel: () => r.cancel().catch(() => {}),
  };
}

async function collect(
  stream: ReadableStream<Uint8Array>,
  sink: (text: string) => void,
) {
  for await (const chunk of stream) sink(decoder.decode(chunk));
}

/** The real runner, on `Deno.Command`. */
export const denoRunner: CommandRunner = {
  async output(argv, options = {}) {
    const [program, ...args] = argv;
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(program, {
        args,
        cwd: options.cwd,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return notFound(program);
      throw error;
    }
    const stdout = reader(child.stdout);
    const stderr = reader(child.stderr);
    const done = Promise.all([child.status, stdout.text, stderr.text]);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<"timeout">((resolve) => {
      if (options.timeoutMs !== undefined) {
        timer = setTimeout(() => resolve("timeout"), options.timeoutMs);
      }
    });
    const first = await Promise.race([done, expired]);
    clearTimeout(timer);
    if (first === "timeout") {
      // A grandchild may hold the pipes open: kill, stop reading, move on.
      killQuietly(child, "SIGKILL");
      await Promise.all([stdout.cancel(), stderr.cancel()]);
      return {
        code: 124,
        stdout: stdout.sofar(),
        stderr: stderr.sofar(),
        timedOut: true,
      };
    }
    const [status, out, err] = first;
    return { code: status.code, stdout: out, stderr: err };
  },

  async inherit(argv, options = {}) {
    const [program, ...args] = argv;
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(program, {
        args,
        cwd: options.cwd,
        stdin: "null",
        stdout: "inherit",
        stderr: "inherit",
      }).spawn();
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return 127;
      throw error;
    }
    let timedOut = false;
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(
      () => {
        timedOut = true;
        killQuietly(child, "SIGTERM");
      },
      options.timeoutMs,
    );
    const status = await child.status;
    clearTimeout(timer);
    return timedOut ? 124 : status.code;
  },

  spawn(argv, options = {}) {
    const [program, ...args] = argv;
    let text = "";
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(program, {
        args,
        cwd: options.cwd,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      return {
        output: () => `${program}: not found on PATH`,
        exited: Promise.resolve(127),
        stop: () => Promise.resolve(),
      };
    }
    const sink = (t: string) => (text += t);
    const done = Promise.all([
      child.status,
      collect(child.stdout, sink),
      collect(child.stderr, sink),
    ]).then(([status]) => status.code);
    return {
      output: () => text,
      exited: done,
      async stop() {
        killQuietly(child, "SIGTERM");
        await done;
      },
    };
  },
};

/** The first non-empty line of a command's stderr (else stdout), trimmed. */
export function firstLine(result: CommandResult): string {
  const text = result.stderr.trim() || result.stdout.trim();
  return text.split("\n").map((l) => l.trim()).find((l) => l !== "") ??
    `exit code ${result.code}`;
}
