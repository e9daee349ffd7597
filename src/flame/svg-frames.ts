import { scaleLinear } from 'd3-scale';
import type { FrameColors } from './colors.js';
import { formatCount } from './folded.js';
import { round1, type Geometry } from './geometry.js';
import { fitLabel, LABEL_PAD } from './label.js';
import { tenthsText } from './number-text.js';
import type { FlameLayout } from './layout.js';
import type { FrameTree } from './tree.js';
import { formatPercent, type CountFormat } from './units.js';
import { escapeXml } from './xml.js';

export interface FrameStyle {
  colors: FrameColors;
  counts: CountFormat;
  /** Width of one label character in pixels. */
  charWidth: number;
  sizeInLabels: boolean;
}

/** Frames per yielded chunk: big enough to amortise the join, small enough to stream. */
const FRAMES_PER_CHUNK = 2000;

/**
 * The frame markup, in pre-order, as strings:
 * `<g data-v="COUNT"><title>NAME (SIZE, PCT%)</title><rect …/><text …>LABEL</text></g>`.
 * The `<title>` is the native tooltip; `data-v` is the exact count the script uses for zoom and
 * "Matched"; the label is left out when the frame is too narrow for three characters.
 */
export function* frameMarkup(tree: FrameTree, layout: FlameLayout, g: Geometry, style: FrameStyle): Generator<string> {
  const x = scaleLinear().domain([0, layout.total]).range([g.xpad, g.xpad + g.plotWidth]);
  const { colors, counts, charWidth, sizeInLabels } = style;
  let chunk: string[] = [];
  for (let k = 0; k < layout.frames.length; k++) {
    const i = layout.frames[k]!;
    const isRoot = i === 0;
    const name = tree.name[i]!;
    const value = isRoot ? layout.total : tree.total[i]!;
    const left = round1(x(layout.start[k]!));
    const width = round1(round1(x(layout.start[k]! + value)) - left);
    const top = round1(g.frameTop0 + tree.depth[i]! * g.depthStep);
    const size = counts.short(value);
    let info = `${size}, ${formatPercent(value, layout.total)}%`;
    if (tree.delta && !isRoot) info += `; ${signedPercent(tree.delta[i]!, layout.total)}%`;
    const fill = tree.delta && !isRoot ? colors.ofDelta(tree.delta[i]!) : colors.ofName(name, isRoot);
    const label = fitLabel(name, sizeInLabels ? size : undefined, width, charWidth);
    chunk.push(
      `<g data-v="${formatCount(value)}"><title>${escapeXml(name)} (${info})</title>` +
        `<rect x="${tenthsText(left)}" y="${tenthsText(top)}" width="${tenthsText(width)}" height="${g.rectHeight}" fill="${fill}"/>` +
        (label ? `<text x="${tenthsText(round1(left + LABEL_PAD))}" y="${tenthsText(round1(top + g.labelDy))}">${escapeXml(label)}</text>` : '') +
        '</g>\n',
    );
    if (chunk.length === FRAMES_PER_CHUNK) {
      yield chunk.join('');
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk.join('');
}

function signedPercent(delta: number, total: number): string {
  const text = formatPercent(delta, total);
  return delta > 0 ? `+${text}` : text;
}
