import { scaleLinear } from 'd3-scale';
import type { FrameColors } from './colors.js';
import { writeCount } from './folded.js';
import { round1, type Geometry, type FlameLayout } from './layout.js';
import { changePercent, signedCount, tenthsText, writePercent, writeTenths, type CountFormat } from './units.js';
import { ByteWriter } from './bytes.js';
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
  const fit = labelFit(name, size, frameWidth, charWidth);
  if (fit === NO_LABEL) return '';
  if (fit === WITH_SIZE) return `${name} (${size})`;
  return fit === name.length ? name : name.slice(0, fit) + '..';
}

/** labelFit's answers besides a length: no label, or the name and its size. */
const NO_LABEL = -1;
const WITH_SIZE = -2;

/**
 * fitLabel without making the label: NO_LABEL, WITH_SIZE (`name (size)`), the name's length (the
 * whole name), or the length of the part of the name shown before `..`.
 */
function labelFit(name: string, size: string | undefined, frameWidth: number, charWidth: number): number {
  const room = Math.floor((frameWidth - 2 * LABEL_PAD) / charWidth);
  if (room < 3) return NO_LABEL;
  const nameColumns = columns(name);
  // Canonical names have no lone surrogates, so the columns of `name (size)` add up.
  if (size !== undefined && nameColumns + columns(size) + 3 <= room) return WITH_SIZE;
  return nameColumns <= room ? name.length : prefixFitting(name, room - 2);
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

/** Columns of the whole text, as prefixFitting counts them. */
function columns(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const wide = code >= 0x1100 && isWide(code); // the first test answers for ASCII
    count += wide ? 2 : 1;
    if (wide && code >= 0xd800 && code <= 0xdbff) i++;
  }
  return count;
}

export interface FrameStyle {
  colors: FrameColors;
  counts: CountFormat;
  /** Width of one label character in pixels. */
  charWidth: number;
  sizeInLabels: boolean;
}

/** Frames per yielded chunk (~150 bytes each): few chunks, and still streaming for large graphs. */
const FRAMES_PER_CHUNK = 20_000;

/**
 * The frame markup, in pre-order, as UTF-8:
 * `<g data-v="COUNT"><title>NAME (SIZE, PCT%)</title><rect …/><text …>LABEL</text></g>`, in a
 * differential graph `<title>NAME (CHANGE, PCT%; base SIZE, new SIZE)</title>` (PCT of the base).
 * The `<title>` is the native tooltip; `data-v` is the exact count the script uses for zoom and
 * "Matched"; the label is left out when the frame is too narrow for three characters.
 */
export function* frameMarkup(tree: FrameTree, layout: FlameLayout, g: Geometry, style: FrameStyle): Generator<Uint8Array> {
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
  frames(from: number, to: number): Uint8Array {
    const out = new ByteWriter(160 * (to - from));
    for (let k = from; k < to; k++) this.frame(out, k);
    return out.bytes();
  }

  private frame(out: ByteWriter, k: number): void {
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
    // In a differential graph the figure beside the name is the change (see figures()).
    const delta = tree.delta?.[i];
    const size = delta === undefined ? style.counts.short(value) : signedCount(style.counts, delta);
    out.ascii('<g data-v="');
    writeCount(out, value);
    out.ascii('"><title>');
    out.escaped(name);
    out.ascii(' (');
    out.escaped(size); // the count's name is the user's text
    out.ascii(', ');
    if (delta === undefined) {
      writePercent(out, value, layout.total);
      out.ascii('%');
    } else {
      this.changeFigures(out, tree.base![i]!, delta);
    }
    out.ascii(')</title><rect x="');
    writeTenths(out, left);
    out.ascii('" y="');
    out.ascii(this.rectY[depth]!);
    out.ascii('" width="');
    writeTenths(out, width);
    out.ascii(this.rectEnd);
    out.ascii(delta !== undefined && !isRoot ? style.colors.ofDelta(delta) : style.colors.ofName(name, isRoot));
    out.ascii('"/>');
    const fit = labelFit(name, style.sizeInLabels ? size : undefined, width, style.charWidth);
    if (fit !== NO_LABEL) {
      out.ascii('<text x="');
      writeTenths(out, round1(left + LABEL_PAD));
      out.ascii('" y="');
      out.ascii(this.textY[depth]!);
      out.ascii('">');
      if (fit === WITH_SIZE) {
        out.escaped(name);
        out.ascii(' (');
        out.escaped(size);
        out.ascii(')');
      } else {
        out.escaped(name, fit);
        if (fit < name.length) out.ascii('..');
      }
      out.ascii('</text>');
    }
    out.ascii('</g>\n');
  }

  /** The rest of a differential frame's title after its change: `+50.0%; base 1.00 MiB, new 1.50 MiB`. */
  private changeFigures(out: ByteWriter, base: number, delta: number): void {
    const counts = this.style.counts;
    out.ascii(changePercent(delta, base));
    out.ascii('; base ');
    out.escaped(counts.short(base));
    out.ascii(', new ');
    out.escaped(counts.short(base + delta));
  }

  private placeDepth(depth: number): void {
    const top = round1(this.g.frameTop0 + depth * this.g.depthStep);
    this.rectY[depth] = tenthsText(top);
    this.textY[depth] = tenthsText(round1(top + this.g.labelDy));
  }
}
