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
  const delta = tree.delta;
  // The vertical position is the same for every frame at a depth: its text is made once.
  const rectY: string[] = [];
  const textY: string[] = [];
  const rectEnd = `" height="${g.rectHeight}" fill="`;
  let chunk = '';
  for (let k = 0; k < layout.frames.length; k++) {
    const i = layout.frames[k]!;
    const isRoot = i === 0;
    const name = tree.name[i]!;
    const value = isRoot ? layout.total : tree.total[i]!;
    const start = layout.start[k]!;
    const left = round1(x(start));
    const width = round1(round1(x(start + value)) - left);
    const depth = tree.depth[i]!;
    if (rectY[depth] === undefined) {
      const top = round1(g.frameTop0 + depth * g.depthStep);
      rectY[depth] = tenthsText(top);
      textY[depth] = tenthsText(round1(top + g.labelDy));
    }
    const size = counts.short(value);
    let info = `${size}, ${formatPercent(value, layout.total)}%`;
    if (delta && !isRoot) info += `; ${signedPercent(delta[i]!, layout.total)}%`;
    const fill = delta && !isRoot ? colors.ofDelta(delta[i]!) : colors.ofName(name, isRoot);
    const escaped = escapeXml(name);
    chunk += `<g data-v="${formatCount(value)}"><title>${escaped} (${info})</title><rect x="${tenthsText(left)}" y="${rectY[depth]}" width="${tenthsText(width)}${rectEnd}${fill}"/>`;
    const label = fitLabel(name, sizeInLabels ? size : undefined, width, charWidth);
    if (label !== '') {
      // The label is the name, the name and its size (ends in `)`), or a cut name (ends in `..`):
      // only the last needs escaping again.
      const text = label === name ? escaped : label.endsWith(')') ? `${escaped} (${size})` : escapeXml(label);
      chunk += `<text x="${tenthsText(round1(left + LABEL_PAD))}" y="${textY[depth]}">${text}</text>`;
    }
    chunk += '</g>\n';
    if ((k + 1) % FRAMES_PER_CHUNK === 0) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk !== '') yield chunk;
}

function signedPercent(delta: number, total: number): string {
  const text = formatPercent(delta, total);
  return delta > 0 ? `+${text}` : text;
}
