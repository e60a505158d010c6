/**
 * Errors shared by the whole library.
 *
 * @packageDocumentation
 */

/**
 * Thrown by an exercise that has not been written yet. The starter repository (`npm run
 * starter`) replaces every solution body with `throw new NotImplementedError("Task 1.3: …")`,
 * so a failing test or notebook check names the task to work on.
 */
export class NotImplementedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotImplementedError';
  }
}
