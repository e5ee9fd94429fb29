/**
 * Drives space-app the way the issue asks: `/`, `/work?ms=50` and `/error`,
 * a few dozen times each, so every signal has fresh data to find.
 *
 * @module
 */
import { errorText, type FetchLike } from "./http.ts";

/** One route the exercise calls and the status it must answer. */
export interface ExerciseRoute {
  readonly path: string;
  readonly status: number;
}

/** The routes exercised, with the status each must answer. */
export const EXERCISE_ROUTES: readonly ExerciseRoute[] = [
  { path: "/", status: 200 },
  { path: "/work?ms=50", status: 200 },
  { path: "/error", status: 500 },
];

/** What the exercise saw. */
export interface ExerciseResult {
  readonly requests: number;
  /** Per path: status (or `error`) -> count. */
  readonly byPath: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Answers that were not the expected status, one line each (first few). */
  readonly unexpected: readonly string[];
}

/**
 * Calls every route `rounds` times (the three routes of a round in
 * parallel) against `base`, counting answers by status.
 */
export async function exerciseApp(
  fetch: FetchLike,
  base: string,
  rounds: number,
  routes: readonly ExerciseRoute[] = EXERCISE_ROUTES,
): Promise<ExerciseResult> {
  const byPath: Record<string, Record<string, number>> = {};
  const unexpected: string[] = [];
  let requests = 0;
  const one = async (route: ExerciseRoute) => {
    let outcome: string;
    try {
      const response = await fetch(new URL(route.path, base).href, {
        signal: AbortSignal.timeout(10_000),
      });
      await response.body?.cancel();
      outcome = String(response.status);
    } catch (error) {
      outcome = `error (${errorText(error)})`;
    }
    requests++;
    const counts = byPath[route.path] ??= {};
    counts[outcome] = (counts[outcome] ?? 0) + 1;
    if (outcome !== String(route.status) && unexpected.length < 5) {
      unexpected.push(`${route.path}: ${outcome}, expected ${route.status}`);
    }
  };
  for (let i = 0; i < rounds; i++) {
    await Promise.all(routes.map(one));
  }
  return { requests, byPath, unexpected };
}

/** `/ 30×200, /work?ms=50 30×200, /error 30×500`. */
export function formatExercise(result: ExerciseResult): string {
  return Object.entries(result.byPath).map(([path, counts]) =>
    `${path} ${
      Object.entries(counts).map(([status, n]) => `${n}×${status}`).join("+")
    }`
  ).join(", ");
}
