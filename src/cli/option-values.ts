import { UserError } from '../errors.js';

/** An option's regular expression, or a usage error naming the option. */
export function regexOption(option: string, pattern: string): RegExp {
  try {
    return new RegExp(pattern);
  } catch (err) {
    throw new UserError('usage', `${option} ${JSON.stringify(pattern)} is not a valid regular expression (${(err as Error).message}).`);
  }
}

/** `-n`: how many `things` to show, 0 for all; a usage error for anything but a whole number ≥ 0. */
export function checkShowCount(n: number, things: string): void {
  if (!Number.isInteger(n) || n < 0) throw new UserError('usage', `-n must be a whole number of ${things} (0 for all), not ${Number.isNaN(n) ? 'a word' : n}.`);
}
