import { SVG, registerWindow, type Svg } from '@svgdotjs/svg.js';
import { createSVGWindow } from 'svgdom';
import { backgroundColors } from './colors.js';
import { round1, type Geometry } from './geometry.js';
import type { FlameOptions } from './options.js';
import { svgAssets } from './templates.js';
import { formatCount } from './folded.js';
import { commentText } from './xml.js';

/** The SVG around the frames, split where the frames go. */
export interface SvgShell {
  head: string;
  tail: string;
}

/** Facts about the drawing that the page states and the embedded script needs. */
export interface ShellFacts {
  /** The accessible name and the summary line under the title. */
  heading: string;
  summary: string;
  /** The count that is 100 %. */
  total: number;
  /** Labels carry the byte size after the name when there is room. */
  sizeInLabels: boolean;
}

/** What the shell depends on; plain data, so it can be sent to a worker thread. */
export interface ShellRequest {
  options: FlameOptions;
  geometry: Geometry;
  facts: ShellFacts;
}

const FRAMES_MARK = 'goheapflame:frames';

/**
 * Builds the document chrome (style, script, background, title, summary, controls, details line)
 * with svg.js on svgdom, and leaves a placeholder comment where the frames go. The frames
 * themselves are written as strings by svg-frames.ts: measured, svgdom 0.1.24 with svg.js needs
 * ~4 s and 1 GB for 100k frames, and svg.js's `.svg()` overflows the stack at ~200k, while
 * string building does 200k frames in a fraction of a second.
 *
 * Class names all start with `ghf-`, the CSS is scoped to `.ghf`, per-document values are
 * presentation attributes or `data-` attributes on the root, and the script finds its own root;
 * so two graphs inlined in one HTML page do not disturb each other.
 */
export function buildShell(o: FlameOptions, g: Geometry, facts: ShellFacts): SvgShell {
  const window = createSVGWindow();
  registerWindow(window as never, window.document as never);
  const canvas = SVG(window.document.documentElement) as unknown as Svg;
  const { script, style } = svgAssets();

  canvas
    .size(g.width, g.height)
    .viewbox(0, 0, g.width, g.height)
    .addClass('ghf')
    .attr({
      'font-family': o.fontType,
      'font-size': o.fontSize,
      'data-xpad': g.xpad,
      'data-frame-top': g.frameTop0,
      'data-depth-step': g.depthStep,
      'data-label-dy': g.labelDy,
      'data-char-width': o.fontSize * o.fontWidth,
      'data-size-labels': facts.sizeInLabels ? 1 : 0,
      'data-name-type': o.nameType,
      'data-inverted': o.inverted ? 1 : 0,
    });
  canvas.element('title').words(facts.heading);
  if (o.notes) window.document.documentElement.appendChild(window.document.createComment(` NOTES: ${commentText(o.notes)} `));
  const [from, to] = backgroundColors(o.colors);
  const gradientId = `ghf-bg-${o.colors}`;
  canvas
    .defs()
    .gradient('linear', (add) => {
      add.stop(0.05, from);
      add.stop(0.95, to);
    })
    .attr({ id: gradientId, x1: 0, y1: 0, x2: 0, y2: 1 });
  canvas.element('style').words(style);
  canvas.rect(g.width, g.height).addClass('ghf-bg').attr({ fill: `url(#${gradientId})` });

  const centre = g.width / 2;
  canvas.plain(o.title).addClass('ghf-title').attr({ x: centre, y: g.titleY, 'font-size': o.fontSize + 5 });
  const lines = o.subtitle ? [o.subtitle, facts.summary] : [facts.summary];
  lines.forEach((line, k) => {
    canvas.plain(line).addClass(k === lines.length - 1 ? 'ghf-summary' : 'ghf-subtitle').attr({ x: centre, y: g.headerY[k] });
  });
  // At the right: `ic`, and room before it for the longer label "Reset Search".
  const char = o.fontSize * o.fontWidth;
  control(canvas, 'Reset Zoom', 'ghf-unzoom', g.xpad, g.titleY);
  control(canvas, 'Search', 'ghf-search', round1(g.width - g.xpad - 15 * char), g.titleY);
  control(canvas, 'ic', 'ghf-ic', round1(g.width - g.xpad - 2 * char), g.titleY).attr({ 'aria-pressed': 'false' });
  canvas.plain('').addClass('ghf-details').attr({ x: g.xpad, y: g.detailsY, 'aria-live': 'polite' });
  canvas.plain('').addClass('ghf-matched').attr({ x: g.width - g.xpad, y: g.detailsY });

  const frames = canvas.group().addClass('ghf-frames').attr({ 'data-total': formatCount(facts.total) });
  (frames.node as unknown as { appendChild(n: unknown): void }).appendChild(window.document.createComment(FRAMES_MARK));
  canvas.element('script').words(script);

  const text = canvas.svg();
  const mark = text.indexOf(`<!--${FRAMES_MARK}-->`);
  return {
    head: '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n' + text.slice(0, mark) + '\n',
    tail: text.slice(mark + FRAMES_MARK.length + 7) + '\n',
  };
}

/** A text button; hidden until the script runs, reachable with Tab and pressed with Enter or Space. */
function control(canvas: Svg, label: string, className: string, x: number, y: number) {
  return canvas.plain(label).addClass(`ghf-ctl ${className}`).attr({ x, y, role: 'button', tabindex: 0 });
}
