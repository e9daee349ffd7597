import { UserError } from '../errors.js';
import { frameColors } from './colors.js';
import { geometry, plotWidth, type Geometry, layoutFrames, type FlameLayout } from './layout.js';
import { minWidthOf, resolveOptions, type FlameOptions } from './options.js';
import { type Stack, buildFrameTree, type FrameTree } from './tree.js';
import { type ShellFacts, type SvgShell, buildShell } from './shell.js';
import { frameMarkup, type FrameStyle } from './svg.js';
import { changePercent, countFormat, formatPercent, groupDigits, signedCount, type CountFormat } from './units.js';
import { GONE_FRAME, growthOf, withGoneFrame, type Growth } from './differential.js';
import { once } from 'node:events';

/** Everything the SVG needs except the document shell: merged tree, layout, geometry, styles. */
export interface FlamePlan {
  readonly options: FlameOptions;
  readonly tree: FrameTree;
  readonly layout: FlameLayout;
  readonly geometry: Geometry;
  readonly facts: ShellFacts;
  readonly style: FrameStyle;
}

/** Merges and lays out the stacks; throws a UserError for empty input or impossible options. */
export function planFlameGraph(stacks: Iterable<Stack>, options: Partial<FlameOptions> = {}): FlamePlan {
  const o = resolveOptions(options);
  return planFromTree(buildFrameTree(stacks, o.reverse), o);
}

/**
 * Lays out an already merged tree (built with `o.reverse`). A differential tree gets its vanished
 * frames under (gone) (see differential.ts), a colour legend, and its growth as the subtitle
 * unless one is given.
 */
export function planFromTree(built: FrameTree, options: FlameOptions): FlamePlan {
  const tree = withGoneFrame(built);
  const counts = countFormat(options.countName);
  const growth = growthOf(tree);
  const o = growth && options.subtitle === '' ? { ...options, subtitle: growthLine(growth, counts) } : options;
  const total = checkedTotal(tree, o.total);
  const min = minWidthOf(o.minWidth);
  const minValue = 'px' in min ? (min.px * total) / plotWidth(o) : min.fraction * total;
  const layout = layoutFrames(tree, total, minValue);
  const sizeInLabels = o.countName === 'bytes';
  const largestChange = maxDelta(tree, layout);
  return {
    options: o,
    tree,
    layout,
    geometry: geometry(o, layout.maxDepth, growth !== undefined),
    facts: {
      heading: `${o.title}: ${growth ? `${signedCount(counts, growth.after - growth.base)}, ${counts.short(growth.base)} → ${counts.short(growth.after)}` : counts.short(total)}`,
      summary: summaryLine(o, tree, layout, counts, growth),
      total,
      sizeInLabels,
      legend: growth && { low: `shrank ${signedCount(counts, -largestChange)}`, high: `${signedCount(counts, largestChange)} grew` },
    },
    style: {
      colors: frameColors(o.colors, o.hash, largestChange),
      counts,
      charWidth: o.fontSize * o.fontWidth,
      sizeInLabels,
    },
  };
}

/** `Growth +1.20 MiB (+25.0%): base 4.80 MiB, new 6.00 MiB`. */
function growthLine(growth: Growth, counts: CountFormat): string {
  const change = growth.after - growth.base;
  return `Growth ${signedCount(counts, change)} (${changePercent(change, growth.base)}): base ${counts.short(growth.base)}, new ${counts.short(growth.after)}`;
}

/** The SVG in pieces: the shell's head (text), the frames (UTF-8), the shell's tail (text). */
export function* svgChunks(plan: FlamePlan, shell: SvgShell): Generator<string | Uint8Array> {
  yield shell.head;
  yield* frameMarkup(plan.tree, plan.layout, plan.geometry, plan.style);
  yield shell.tail;
}

function checkedTotal(tree: FrameTree, given: number | undefined): number {
  const sum = tree.total[0]!;
  if (tree.stacks === 0) {
    throw new UserError('badInputData', 'There are no stacks to draw; give folded stacks ("a;b;c 123") or viewcore objref backtraces.');
  }
  if (!(sum > 0)) {
    throw new UserError('badInputData', 'Every stack count is zero, so there is nothing to draw; check that the counts are in the last column.');
  }
  if (given !== undefined && given < sum) {
    throw new UserError('usage', `--total ${given} is less than the sum of the counts (${sum}); give a larger total or leave it out.`);
  }
  return given ?? sum;
}

function summaryLine(o: FlameOptions, tree: FrameTree, layout: FlameLayout, counts: CountFormat, growth: Growth | undefined): string {
  const total = layout.total;
  // A differential graph's exact figures are in the root's tooltip: the line has more to say.
  const exact = counts.abbreviates && !growth ? ` (${counts.exact(total)})` : '';
  let line = growth
    ? `New ${counts.short(growth.after)} in ${groupDigits(tree.stacks)} stacks`
    : `Total ${counts.short(total)}${exact} in ${groupDigits(tree.stacks)} stacks`;
  if (growth && growth.gone > 0) line += `; ${GONE_FRAME} holds ${counts.short(growth.gone)} that vanished`;
  if (total > tree.total[0]!) line += `, of which the stacks hold ${counts.short(tree.total[0]!)}`;
  const { frames, value } = layout.pruned;
  if (frames > 0) {
    const min = minWidthOf(o.minWidth);
    const limit = 'px' in min ? `${min.px} px` : `${o.minWidth} of the total`;
    line +=
      `; ${groupDigits(frames)} frames narrower than ${limit} ` +
      `(${formatPercent(value, total)}% of the total) are merged into their parents`;
  }
  return line;
}

/** The largest change of any drawn frame, which gets the strongest colour. */
function maxDelta(tree: FrameTree, layout: FlameLayout): number {
  if (!tree.delta) return 0;
  let max = 0;
  for (let k = 1; k < layout.frames.length; k++) max = Math.max(max, Math.abs(tree.delta[layout.frames[k]!]!));
  return max;
}

/**
 * The SVG of a flame graph, in pieces, for streaming. Everything is computed before the first
 * piece, so errors (no stacks, bad options) come before any output. The same stacks (in any
 * order) and options always give the same bytes.
 */
export function* flameGraphChunks(stacks: Iterable<Stack>, options: Partial<FlameOptions> = {}): Generator<string | Uint8Array> {
  const plan = planFlameGraph(stacks, options);
  yield* svgChunks(plan, buildShell(plan.options, plan.geometry, plan.facts));
}

/** The whole SVG as one string. */
export function renderFlameGraph(stacks: Iterable<Stack>, options: Partial<FlameOptions> = {}): string {
  const bytes = [...flameGraphChunks(stacks, options)].map((chunk) => (typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
  return Buffer.concat(bytes).toString('utf8');
}

/** Writes the SVG to a stream, waiting when it is full; does not end the stream. */
export async function writeFlameGraph(
  stacks: Iterable<Stack>,
  options: Partial<FlameOptions>,
  out: NodeJS.WritableStream,
): Promise<void> {
  for (const chunk of flameGraphChunks(stacks, options)) {
    if (!out.write(chunk)) await once(out, 'drain');
  }
}
