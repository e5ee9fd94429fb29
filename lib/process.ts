/**
 * Running other programs: to completion with their output captured, or in
 * the background with their output kept line by line, stopped with SIGTERM
 * and, past a grace period, SIGKILL; and free ports for them to listen on.
 *
 * @module
 */

/** What a finished command printed: exit code (127: not installed) and output. */
export type Finished = Readonly<Awaited<ReturnType<typeof run>>>;

/** Options of a child process. */
export interface ProcessOptions {
  readonly cwd?: string;
  /** Added to ours, or with `clearEnv` to {@link lookupEnv} alone. */
  readonly env?: Record<string, string>;
  readonly clearEnv?: boolean;
}

/** Ours that a cleared environment keeps: PATH, and HOME and the cache variables,
 * without which Deno may look for its cache where `deno install` did not put it. */
export function lookupEnv(): Record<string, string> {
  const names = ["HOME", "PATH", "DENO_DIR", "XDG_CACHE_HOME", "TMPDIR"];
  return Object.fromEntries(
    names.filter((n) => Deno.env.has(n)).map((n) => [n, Deno.env.get(n)!]),
  );
}

const decoder = new TextDecoder();

/** The command of `argv`: no input, output piped back to us. */
function command(argv: readonly string[], options: ProcessOptions) {
  const [program, ...args] = argv;
  const { cwd, clearEnv } = options;
  const env = clearEnv ? { ...lookupEnv(), ...options.env } : options.env;
  const io = { stdin: "null", stdout: "piped", stderr: "piped" } as const;
  return new Deno.Command(program, { args, cwd, env, clearEnv, ...io });
}

/** Runs `argv` to completion; a missing program is exit code 127. */
export async function run(
  argv: readonly string[],
  options: ProcessOptions = {},
) {
  try {
    const out = await command(argv, options).output();
    return {
      code: out.code,
      stdout: decoder.decode(out.stdout),
      stderr: decoder.decode(out.stderr),
    };
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    return { code: 127, stdout: "", stderr: `${argv[0]}: not installed` };
  }
}

/** A program running in the background. */
export type Background = Readonly<ReturnType<typeof start>>;

/** Calls `onLine` with each line of `stream` (the last one without a newline too). */
export async function collect(
  stream: ReadableStream<Uint8Array>,
  onLine: (line: string) => void,
): Promise<void> {
  // One decoder per stream: a streaming decoder keeps a split character.
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const chunk of stream) {
    buffered += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buffered.indexOf("\n")) >= 0) {
      onLine(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
    }
  }
  if (buffered) onLine(buffered);
}

/** Starts `argv` in the background, keeping its output. */
export function start(
  name: string,
  argv: readonly string[],
  options: ProcessOptions = {},
) {
  const child = command(argv, options).spawn();
  const lines: string[] = [];
  const exited = Promise.all([
    child.status,
    collect(child.stdout, (l) => lines.push(l)),
    collect(child.stderr, (l) => lines.push(l)),
  ]).then(([status]) => status.code);
  const signal = (s: Deno.Signal) => {
    try {
      child.kill(s);
    } catch {
      // already gone
    }
  };
  return {
    name,
    pid: child.pid,
    /** Every line it printed so far (stdout and stderr interleaved). */
    lines: lines as readonly string[],
    /** Resolves with the exit code once it ended and its output is read. */
    exited,
    /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
    async stop(graceMs = 10_000) {
      signal("SIGTERM");
      const timer = setTimeout(() => signal("SIGKILL"), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

const handedOut = new Set<number>();

/**
 * A TCP port of this host that was free a moment ago and that this process
 * has not handed out before: the kernel may offer a just-closed port again,
 * and two components on one port fail one of them.
 */
export function freePort(): number {
  for (;;) {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const { port } = listener.addr;
    listener.close();
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
}
