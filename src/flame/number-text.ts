/**
 * Numbers as text, the same text as the built-ins give, faster for the values a flame graph writes
 * a hundred thousand times (V8 turns a double into text at ~200 ns; an integer below 2^31 is
 * cheap). Each function falls back to the built-in outside its fast range, so the text never
 * differs; test/flame/text.test.ts compares them on many values.
 */

const POWERS = [1, 10, 100] as const;

/** `x.toFixed(digits)` for `digits` 0 to 2. */
export function toFixed(x: number, digits: 0 | 1 | 2): string {
  const scaled = x * POWERS[digits];
  if (!(scaled >= 0 && scaled < 2 ** 31)) return x.toFixed(digits);
  // toFixed rounds the exact value of x to the nearest, a tie up. `scaled` is within 2^-22 of
  // x·10^digits, so rounding it gives the same integer unless it is that close to a tie.
  const fraction = scaled - Math.floor(scaled);
  if (Math.abs(fraction - 0.5) < 1e-6) return x.toFixed(digits);
  const text = String(Math.round(scaled));
  if (digits === 0) return text;
  const padded = text.length > digits ? text : '0'.repeat(digits + 1 - text.length) + text;
  return `${padded.slice(0, -digits)}.${padded.slice(-digits)}`;
}

/** `String(v)` for a `round1` result (a number with at most one decimal): `12.3`, `7`, `-0.5`. */
export function tenthsText(v: number): string {
  const tenths = Math.round(v * 10);
  if (!(tenths > -(2 ** 31) && tenths < 2 ** 31) || tenths / 10 !== v) return String(v);
  const size = tenths < 0 ? -tenths : tenths;
  const digit = size % 10;
  const text = digit === 0 ? String((size - digit) / 10) : `${(size - digit) / 10}.${digit}`;
  return tenths < 0 ? `-${text}` : text;
}

/** `String(v)` for an integer 0 ≤ v < 2^53; other numbers as `String` writes them. */
export function integerText(v: number): string {
  if (v < 2 ** 31 || !Number.isSafeInteger(v)) return String(v);
  const low = v % 1e9;
  return String((v - low) / 1e9) + String(low).padStart(9, '0');
}
