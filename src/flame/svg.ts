import { scaleLinear } from 'd3-scale';
import type { FrameColors } from './colors.js';
import { formatCount } from './folded.js';
import { round1, type Geometry, type FlameLayout } from './layout.js';
import { tenthsText, formatPercent, type CountFormat } from './units.js';
import type { FrameTree } from './tree.js';

/** Text for XML element content and attribute values: `& < > "` become entities. */
export function escapeXml(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 38 || c === 60 || c === 62 || c === 34) {
      return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
    }
  }
  return text; // the common case, found without a regular expression (faster for short names)
}

/** Text for an XML comment, which may not contain `--` (callers put a space before `-->`). */
export function commentText(text: string): string {
  return text.replace(/-(?=-)/g, '- ');
}

/**
 * Frame labels fitted to the frame on the server, so they are right without JavaScript. The width
 * of a character is the font's average (`fontWidth × fontSize`); East Asian wide characters and
 * characters outside the BMP (emoji) count as two. templates/flamegraph.js fits labels the same
 * way after a zoom.
 */
export const LABEL_PAD = 3;

export function fitLabel(name: string, size: string | undefined, frameWidth: number, charWidth: number): string {
  const room = Math.floor((frameWidth - 2 * LABEL_PAD) / charWidth);
  if (room < 3) return '';
  if (size !== undefined) {
    const withSize = `${name} (${size})`;
    if (prefixFitting(withSize, room) === withSize.length) return withSize;
  }
  const fit = prefixFitting(name, room);
  return fit === name.length ? name : name.slice(0, prefixFitting(name, room - 2)) + '..';
}

function isWide(code: number): boolean {
  return (
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0xa4cf) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xd800 && code <= 0xdbff) || // high surrogate: the pair counts as one wide character
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6)
  );
}

/** Length (in UTF-16 units) of the longest prefix of `text` that fits in `room` columns, never splitting a pair. */
function prefixFitting(text: string, room: number): number {
  let columns = 0;
  let i = 0;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    const width = isWide(code) ? 2 : 1;
    if (columns + width > room) break;
    columns += width;
    i += code >= 0xd800 && code <= 0xdbff ? 2 : 1;
  }
  return i;
}

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
    const sizeText = escapeXml(size); // the count's name is the user's text
    const delta = tree.delta;
    let info = `${sizeText}, ${formatPercent(value, layout.total)}%`;
    if (delta && !isRoot) info += `; ${signedPercent(delta[i]!, layout.total)}%`;
    const fill = delta && !isRoot ? style.colors.ofDelta(delta[i]!) : style.colors.ofName(name, isRoot);
    const escaped = escapeXml(name);
    const rect = `<rect x="${tenthsText(left)}" y="${this.rectY[depth]}" width="${tenthsText(width)}${this.rectEnd}${fill}"/>`;
    const head = `<g data-v="${formatCount(value)}"><title>${escaped} (${info})</title>${rect}`;
    const label = fitLabel(name, style.sizeInLabels ? size : undefined, width, style.charWidth);
    if (label === '') return `${head}</g>\n`;
    // The label is the name, the name and its size (ends in `)`), or a cut name (ends in `..`):
    // only the last needs escaping again.
    const text = label === name ? escaped : label.endsWith(')') ? `${escaped} (${sizeText})` : escapeXml(label);
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
