import { toFixed } from './number-text.js';

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
  const [whole, fraction] = (Math.round(value * 100) / 100).toFixed(2).split('.') as [string, string];
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const decimals = fraction.replace(/0+$/, '');
  return decimals === '' ? grouped : `${grouped}.${decimals}`;
}

/** A share of the total as flamegraph.pl prints it: two decimals. */
export function formatPercent(part: number, total: number): string {
  return total > 0 ? toFixed((100 * part) / total, 2) : '0.00';
}
