// Helpers shared by the tests.
import { expect } from 'vitest';
import { InputError, type Problem } from './errors.ts';

/** The problems of the InputError that fn throws (fails the test if it throws anything else). */
export function problemsOf(fn: () => unknown): Problem[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return (err as InputError).problems;
  }
  throw new Error('expected an InputError');
}
