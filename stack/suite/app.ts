/**
 * The first check: space-app answers `/`, `/work?ms=50` and `/error` with the
 * expected statuses, which also gives every backend fresh data.
 *
 * @module
 */
import { ApiError } from "../checks.ts";
import { exerciseApp, formatExercise } from "../exercise.ts";
import type { Session } from "../session.ts";

/** Exercises space-app `rounds` times per route. */
export async function checkApp(s: Session, rounds: number): Promise<void> {
  await s.check("space-app answers /, /work and /error", async () => {
    const result = await exerciseApp(s.deps.fetch, s.endpoints.app, rounds);
    if (result.unexpected.length > 0) {
      throw new ApiError(
        `unexpected answers: ${result.unexpected.join("; ")} (${
          formatExercise(result)
        })`,
      );
    }
    return `${result.requests} requests: ${formatExercise(result)}`;
  });
}
