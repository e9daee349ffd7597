import { UserError } from '../errors.js';
import { xmlText } from './tree.js';

/** The colour palettes (see colors.ts): flamegraph.pl's, and `go`, which colours Go frames by kind. */
export const PALETTE_NAMES = [
  'mem', 'hot', 'go', 'io', 'red', 'green', 'blue', 'aqua', 'yellow', 'purple', 'orange',
] as const;
export type PaletteName = (typeof PALETTE_NAMES)[number];

/** A minimum frame width: pixels, or a percentage of the total when written `N%`. */
export type MinWidth = number | `${number}%`;

/** Everything that shapes the SVG. Names and defaults follow flamegraph.pl unless noted. */
export interface FlameOptions {
  /** Heading. Default `Flame Graph`, or `Icicle Graph` when inverted. */
  title: string;
  /** Second heading line; none by default. */
  subtitle: string;
  /** Image width in pixels. Default 1200. */
  width: number;
  /** Frame height in pixels (flamegraph.pl's `--height`). Default 16. */
  frameHeight: number;
  /** Frames narrower than this are dropped, their weight kept in the parent. Default 0.1 (px). */
  minWidth: MinWidth;
  /** Font family. Default `monospace` (not Verdana): labels are fitted on the server without a
   * browser, which is exact only when every character has the same width. */
  fontType: string;
  /** Font size in pixels. Default 12. */
  fontSize: number;
  /** Average character width as a fraction of the font size, for fitting labels. Default 0.61: common monospace fonts are 0.600–0.602 em wide, and a label must never overflow. */
  fontWidth: number;
  /** What the counts are. Default `bytes` (not `samples`): counts then read as B, KiB, MiB, GiB. */
  countName: string;
  /** Word before the frame in the details line. Default `Frame:`. */
  nameType: string;
  /** Colour palette. Default `mem` (flamegraph.pl's memory palette); the Go pipeline passes `go`. */
  colors: PaletteName;
  /** Colour by a hash weighting the first characters, so similar names look alike. Default false. */
  hash: boolean;
  /** Icicle graph: the root at the top. Default false. */
  inverted: boolean;
  /** Reverse every stack, leaf first, before merging. Default false. */
  reverse: boolean;
  /** Free text kept in an XML comment at the top of the SVG. Default none. */
  notes: string;
  /** The count that is 100 %, when larger than the sum of the stacks. Default: the sum. */
  total: number | undefined;
}

export const DEFAULT_OPTIONS: Readonly<FlameOptions> = {
  title: 'Flame Graph',
  subtitle: '',
  width: 1200,
  frameHeight: 16,
  minWidth: 0.1,
  fontType: 'monospace',
  fontSize: 12,
  fontWidth: 0.61,
  countName: 'bytes',
  nameType: 'Frame:',
  colors: 'mem',
  hash: false,
  inverted: false,
  reverse: false,
  notes: '',
  total: undefined,
};

/** Fills in defaults and rejects values that cannot be drawn, with a usage error naming the option. */
export function resolveOptions(options: Partial<FlameOptions>): FlameOptions {
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const o: FlameOptions = { ...DEFAULT_OPTIONS, ...defined };
  if (options.title === undefined && o.inverted) o.title = 'Icicle Graph';
  for (const key of textOptions) o[key] = xmlText(String(o[key]));
  requireNumber('width', o.width, 100);
  requireNumber('height', o.frameHeight, 2);
  requireNumber('fontsize', o.fontSize, 1);
  requireNumber('fontwidth', o.fontWidth, 0.05);
  if (o.total !== undefined) requireNumber('total', o.total, Number.MIN_VALUE);
  minWidthOf(o.minWidth); // validates
  if (!PALETTE_NAMES.includes(o.colors)) {
    throw new UserError('usage', `--colors ${o.colors} is not a palette; use one of ${PALETTE_NAMES.join(', ')}.`);
  }
  return o;
}

/** The options whose text goes into the SVG. */
const textOptions = ['title', 'subtitle', 'countName', 'nameType', 'fontType', 'notes'] as const;

function requireNumber(name: string, value: number, min: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new UserError('usage', `--${name} must be a number of at least ${min === Number.MIN_VALUE ? 'more than 0' : min}, not ${value}.`);
  }
}

/** Reads `--minwidth` text as flamegraph.pl does: `0.5` pixels or `2%` of the total. */
export function parseMinWidth(text: string): MinWidth {
  if (!/^(?:\d+\.?\d*|\.\d+)%?$/.test(text)) {
    throw new UserError('usage', `--minwidth ${text} is neither pixels (0.1) nor a percentage (0.5%); give one of those.`);
  }
  return text.endsWith('%') ? (text as `${number}%`) : Number(text);
}

/** The minimum width as pixels or as a fraction of the total; throws a usage error when invalid. */
export function minWidthOf(minWidth: MinWidth): { px: number } | { fraction: number } {
  const parsed = typeof minWidth === 'number' ? minWidth : parseMinWidth(String(minWidth));
  if (typeof parsed === 'number') {
    requireNumber('minwidth', parsed, 0);
    return { px: parsed };
  }
  return { fraction: Number(parsed.slice(0, -1)) / 100 };
}
