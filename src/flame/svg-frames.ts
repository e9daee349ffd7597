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
  const writer = new FrameWriter(tree, layout, g, style);
  for (let from = 0; from < layout.frames.length; from += FRAMES_PER_CHUNK) {
    yield writer.frames(from, Math.min(from + FRAMES_PER_CHUNK, layout.frames.length));
  }
}

/** Writes frames; one frame per call of a small method, which V8 optimizes soon. */
class FrameWriter {
  private readonly x: (v: number) => number;
  // The vertical position is the same for every frame at a depth: its text is made once.
  private readonly rectY: string[] = [];
  private readonly textY: string[] = [];
  private readonly rectEnd: string;

  constructor(
    private readonly tree: FrameTree,
    private readonly layout: FlameLayout,
    private readonly g: Geometry,
    private readonly style: FrameStyle,
  ) {
    this.x = scaleLinear().domain([0, layout.total]).range([g.xpad, g.xpad + g.plotWidth]);
    this.rectEnd = `" height="${g.rectHeight}" fill="`;
  }

  /** The markup of drawn frames [from, to). */
  frames(from: number, to: number): string {
    let chunk = '';
    for (let k = from; k < to; k++) chunk += this.frame(k);
    return chunk;
  }

  private frame(k: number): string {
    const { tree, layout, style } = this;
    const i = layout.frames[k]!;
    const isRoot = i === 0;
    const name = tree.name[i]!;
    const value = isRoot ? layout.total : tree.total[i]!;
    const start = layout.start[k]!;
    const left = round1(this.x(start));
    const width = round1(round1(this.x(start + value)) - left);
    const depth = tree.depth[i]!;
    if (this.rectY[depth] === undefined) this.placeDepth(depth);
    const size = style.counts.short(value);
    const delta = tree.delta;
    let info = `${size}, ${formatPercent(value, layout.total)}%`;
    if (delta && !isRoot) info += `; ${signedPercent(delta[i]!, layout.total)}%`;
    const fill = delta && !isRoot ? style.colors.ofDelta(delta[i]!) : style.colors.ofName(name, isRoot);
    const escaped = escapeXml(name);
    const rect = `<rect x="${tenthsText(left)}" y="${this.rectY[depth]}" width="${tenthsText(width)}${this.rectEnd}${fill}"/>`;
    const head = `<g data-v="${formatCount(value)}"><title>${escaped} (${info})</title>${rect}`;
    const label = fitLabel(name, style.sizeInLabels ? size : undefined, width, style.charWidth);
    if (label === '') return `${head}</g>\n`;
    // The label is the name, the name and its size (ends in `)`), or a cut name (ends in `..`):
    // only the last needs escaping again.
    const text = label === name ? escaped : label.endsWith(')') ? `${escaped} (${size})` : escapeXml(label);
    return `${head}<text x="${tenthsText(round1(left + LABEL_PAD))}" y="${this.textY[depth]}">${text}</text></g>\n`;
  }

  private placeDepth(depth: number): void {
    const top = round1(this.g.frameTop0 + depth * this.g.depthStep);
    this.rectY[depth] = tenthsText(top);
    this.textY[depth] = tenthsText(round1(top + this.g.labelDy));
  }
}

function signedPercent(delta: number, total: number): string {
  const text = formatPercent(delta, total);
  return delta > 0 ? `+${text}` : text;
}
