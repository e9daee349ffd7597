import type { FlameOptions } from './options.js';

/** Where everything goes on the page, from the options and the depth of the drawn tree. */
export interface Geometry {
  readonly width: number;
  readonly height: number;
  /** Left and right margin; frames span [xpad, width - xpad]. */
  readonly xpad: number;
  readonly plotWidth: number;
  readonly titleY: number;
  /** Baselines of the lines under the title: the subtitle (when given), then the summary. */
  readonly headerY: readonly number[];
  /** Baseline of the details and "Matched" line: under the header for icicles, at the bottom otherwise. */
  readonly detailsY: number;
  /** Top of the rectangle of a frame at depth 0; depth d is `frameTop0 + d * depthStep`. */
  readonly frameTop0: number;
  readonly depthStep: number;
  /** Rectangle height: one pixel less than the row, as in flamegraph.pl. */
  readonly rectHeight: number;
  /** From the top of a rectangle to the baseline of its label. */
  readonly labelDy: number;
}

const XPAD = 10;

/** Width available to frames. */
export function plotWidth(o: FlameOptions): number {
  return o.width - 2 * XPAD;
}

export function geometry(o: FlameOptions, maxDepth: number): Geometry {
  const fs = o.fontSize;
  const titleY = fs * 2;
  const lines = o.subtitle ? 2 : 1;
  const headerY = Array.from({ length: lines }, (_, k) => round1(titleY + (k + 1) * fs * 1.75));
  const headerBottom = headerY[lines - 1]! + fs;
  const detailsLine = fs * 2 + 10;
  const rows = (maxDepth + 1) * o.frameHeight;
  const top = o.inverted ? headerBottom + detailsLine : headerBottom;
  const bottom = o.inverted ? 10 : detailsLine;
  const height = Math.ceil(top + rows + bottom);
  return {
    width: o.width,
    height,
    xpad: XPAD,
    plotWidth: plotWidth(o),
    titleY,
    headerY,
    detailsY: round1(o.inverted ? headerBottom + detailsLine / 2 : height - detailsLine / 2),
    frameTop0: o.inverted ? top : height - bottom - o.frameHeight + 1,
    depthStep: o.inverted ? o.frameHeight : -o.frameHeight,
    rectHeight: o.frameHeight - 1,
    labelDy: round1((o.frameHeight - 1) / 2 + fs / 3),
  };
}

/** One decimal, as the shortest text: 12.25 → 12.3, 7.0 → 7. */
export function round1(v: number): number {
  return Math.round(v * 10) / 10;
}
