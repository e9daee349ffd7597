import { once } from 'node:events';
import type { FlameOptions } from './options.js';
import { planFlameGraph, svgChunks } from './plan.js';
import type { Stack } from './stack.js';
import { buildShell } from './shell.js';

/**
 * The SVG of a flame graph, in pieces, for streaming. Everything is computed before the first
 * piece, so errors (no stacks, bad options) come before any output. The same stacks (in any
 * order) and options always give the same bytes.
 */
export function* flameGraphChunks(stacks: Iterable<Stack>, options: Partial<FlameOptions> = {}): Generator<string> {
  const plan = planFlameGraph(stacks, options);
  yield* svgChunks(plan, buildShell(plan.options, plan.geometry, plan.facts));
}

/** The whole SVG as one string. */
export function renderFlameGraph(stacks: Iterable<Stack>, options: Partial<FlameOptions> = {}): string {
  return [...flameGraphChunks(stacks, options)].join('');
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
