/**
 * Numbers as text, the same text as the built-ins give, faster for the values a flame graph writes
 * a hundred thousand times (V8 turns a double into text at ~200 ns; an integer below 2^31 is
 * cheap). Each function falls back to the built-in outside its fast range, so the text never
 * differs; test/flame/text.test.ts compares them on many values.
 */

import type { ByteWriter } from './bytes.js';

const POWERS = [1, 10, 100] as const;

/** `x.toFixed(digits)` for `digits` 0 to 2. */
export function toFixed(x: number, digits: 0 | 1 | 2): string {
  const rounded = roundedScaled(x, digits);
  if (rounded < 0) return x.toFixed(digits);
  const text = String(rounded);
  if (digits === 0) return text;
  const padded = text.length > digits ? text : '0'.repeat(digits + 1 - text.length) + text;
  return `${padded.slice(0, -digits)}.${padded.slice(-digits)}`;
}

/** `x · 10^digits` rounded as toFixed rounds it, or -1 outside the range where that is quick to know. */
function roundedScaled(x: number, digits: 0 | 1 | 2): number {
  const scaled = x * POWERS[digits];
  if (!(scaled >= 0 && scaled < 2 ** 31)) return -1;
  // toFixed rounds the exact value of x to the nearest, a tie up. `scaled` is within 2^-22 of
  // x·10^digits, so rounding it gives the same integer unless it is that close to a tie.
  const fraction = scaled - Math.floor(scaled);
  if (Math.abs(fraction - 0.5) < 1e-6) return -1;
  return Math.round(scaled);
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

/** `out.ascii(tenthsText(v))`, without the string for 0 ≤ v < 2^31 / 10. */
export function writeTenths(out: ByteWriter, v: number): void {
  const tenths = Math.round(v * 10);
  if (!(tenths >= 0 && tenths < 2 ** 31) || tenths / 10 !== v) return out.ascii(tenthsText(v));
  const digit = tenths % 10;
  out.digits((tenths - digit) / 10);
  if (digit !== 0) {
    out.ascii('.');
    out.digits(digit);
  }
}

/** `String(v)` for an integer 0 ≤ v < 2^53; other numbers as `String` writes them. */
export function integerText(v: number): string {
  if (v < 2 ** 31 || !Number.isSafeInteger(v)) return String(v);
  const low = v % 1e9;
  return String((v - low) / 1e9) + String(low).padStart(9, '0');
}

/** How counts read in titles, labels and totals: bytes in binary units, anything else with digit grouping. */
export interface CountFormat {
  /** Short form for frame titles and labels: `1.21 MiB`, `1,234 samples`. */
  short(value: number): string;
  /** Exact form for the total line: `1,268,776 bytes`. */
  exact(value: number): string;
  /** True when `short` drops digits (bytes), so the exact figure is worth adding. */
  abbreviates: boolean;
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

export function countFormat(countName: string): CountFormat {
  const exact = (value: number) => `${groupDigits(value)} ${countName}`;
  if (countName === 'bytes') return { short: formatBytes, exact, abbreviates: true };
  return { short: exact, exact, abbreviates: false };
}

/** Three significant digits in the largest binary unit that keeps the number ≥ 1: `1.21 MiB`, `512 B`. */
export function formatBytes(bytes: number): string {
  let unit = 0;
  let value = bytes;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${groupDigits(value)} B`;
  let text = toFixed(value, value < 10 ? 2 : value < 100 ? 1 : 0);
  if (text === '1024' && unit < BYTE_UNITS.length - 1) {
    unit++;
    text = '1.00';
  }
  return `${text} ${BYTE_UNITS[unit]}`;
}

/** `1234567.891` → `1,234,567.89`: thousands separators, at most two decimals, no trailing zeros. */
export function groupDigits(value: number): string {
  if (Number.isInteger(value) && value >= 0 && value < 1000) return String(value); // the common case, fast
  if (!Number.isFinite(value)) return String(value);
  // toFixed writes 1e21 and above in exponent notation; such doubles are integers, whose digits BigInt gives.
  if (Math.abs(value) >= 1e21) return BigInt(value).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const [whole, fraction] = (Math.round(value * 100) / 100).toFixed(2).split('.') as [string, string];
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const decimals = fraction.replace(/0+$/, '');
  return decimals === '' ? grouped : `${grouped}.${decimals}`;
}

/** A change with its sign, in the count's short form: `+1.21 MiB`, `-512 B`, `0 B`. */
export function signedCount(counts: CountFormat, change: number): string {
  if (change > 0) return `+${counts.short(change)}`;
  return change < 0 ? `-${counts.short(-change)}` : counts.short(0);
}

/** A change as a share of what it changed from: `+50.0%`, `-100.0%`, `0.0%`; `new` when there was nothing. */
export function changePercent(change: number, base: number): string {
  if (!(base > 0)) return change > 0 ? 'new' : '0.0%';
  const text = toFixed((100 * Math.abs(change)) / base, 1);
  return change > 0 ? `+${text}%` : change < 0 && text !== '0.0' ? `-${text}%` : '0.0%';
}

/** A share of the total as flamegraph.pl prints it: two decimals. */
export function formatPercent(part: number, total: number): string {
  return total > 0 ? toFixed((100 * part) / total, 2) : '0.00';
}

/** `out.ascii(formatPercent(part, total))`, without the string where toFixed's fast path applies. */
export function writePercent(out: ByteWriter, part: number, total: number): void {
  const hundredths = total > 0 ? roundedScaled((100 * part) / total, 2) : 0;
  if (hundredths < 0) return out.ascii(formatPercent(part, total));
  const fraction = hundredths % 100;
  out.digits((hundredths - fraction) / 100);
  out.ascii(fraction < 10 ? '.0' : '.');
  out.digits(fraction);
}
