/**
 * How the service is run: the Deno flags of the `start` task, shared by the
 * bench's Deno variants, the native stack test and the tests.
 *
 * @module
 */

/**
 * Deno flags of the service: those of the `start` task in `codeDir`'s
 * deno.json (the compiled binary's permission set and V8 flags), between
 * `run` and the entry module, plus `--quiet --frozen`.
 */
export function serviceDenoFlags(codeDir: string): string[] {
  const denoJson = JSON.parse(Deno.readTextFileSync(`${codeDir}/deno.json`));
  const task = String(denoJson.tasks?.start ?? "").trim().split(/\s+/);
  const entry = task.indexOf("main.ts");
  if (task[0] !== "deno" || task[1] !== "run" || entry < 0) {
    throw new Error(
      `${codeDir}/deno.json: the start task is not "deno run ... main.ts serve": ${
        JSON.stringify(denoJson.tasks?.start)
      }`,
    );
  }
  return ["--quiet", "--frozen", ...task.slice(2, entry)];
}
