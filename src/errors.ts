/**
 * Errors shared by the whole library.
 *
 * @packageDocumentation
 */

/**
 * Thrown by an exercise that has not been written yet. The starter repository (`npm run
 * starter`) replaces every solution body with `throw new NotImplementedError("Task 1.3: …")`,
 * so a failing test or notebook check names the task to work on, and `whenDone` (in
 * `exercises.ts`) can turn it into one line saying which function in which file to write.
 */
export class NotImplementedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotImplementedError';
    // Start the stack at the stub that threw, not in this constructor: its first frame is
    // the file the student has to edit.
    Error.captureStackTrace?.(this, NotImplementedError);
  }
}
