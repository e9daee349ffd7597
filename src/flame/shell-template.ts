import { Rect, SVG, registerWindow, type Svg } from '@svgdotjs/svg.js';
import { CHANGE_COLORS, hex } from './colors.js';
import { createSVGWindow } from 'svgdom';
import { LEGEND_BAR_WIDTH, SHELL_FIELDS, SHELL_VARIANTS, variantKey, type ShellFields, type ShellVariant, type SvgShell, SHELL_TEMPLATE_URL } from './shell.js';
import { writeFileSync } from 'node:fs';

const FRAMES_MARK = 'goheapflame:frames';

/**
 * Builds the document chrome (style, script, background, title, summary, controls, details line)
 * with svg.js on svgdom, and leaves a placeholder comment where the frames go. The frames
 * themselves are written as strings by svg.ts: measured, svgdom 0.1.24 with svg.js needs
 * ~4 s and 1 GB for 100k frames, and svg.js's `.svg()` overflows the stack at ~200k, while
 * string building does 200k frames in a fraction of a second.
 *
 * Class names all start with `ghf-`, the CSS is scoped to `.ghf`, per-document values are
 * presentation attributes or `data-` attributes on the root, and the script finds its own root;
 * so two graphs inlined in one HTML page do not disturb each other.
 *
 * Values are passed as text (see ShellFields), so that the same calls with `{{field}}` markers give
 * the shell template (`generateShellTemplate`) that shell.ts fills without loading svg.js.
 */
export function buildShellDocument(f: ShellFields, variant: ShellVariant): SvgShell {
  const window = createSVGWindow();
  registerWindow(window as never, window.document as never);
  const canvas = SVG(window.document.documentElement) as unknown as Svg;

  canvas
    .attr({ width: f.width, height: f.height, viewBox: `0 0 ${f.width} ${f.height}` })
    .addClass('ghf')
    .attr({
      'font-family': f.fontFamily,
      'font-size': f.fontSize,
      'data-xpad': f.xpad,
      'data-frame-top': f.frameTop,
      'data-depth-step': f.depthStep,
      'data-label-dy': f.labelDy,
      'data-char-width': f.charWidth,
      'data-size-labels': f.sizeLabels,
      'data-name-type': f.nameType,
      'data-inverted': f.inverted,
    });
  canvas.element('title').words(f.heading);
  if (variant.notes) window.document.documentElement.appendChild(window.document.createComment(` NOTES: ${f.notes} `));
  canvas
    .defs()
    .gradient('linear', (add) => {
      add.stop(0.05, f.bgFrom);
      add.stop(0.95, f.bgTo);
    })
    .attr({ id: f.gradientId, x1: 0, y1: 0, x2: 0, y2: 1 });
  canvas.element('style').words(f.style);
  canvas.put(new Rect()).attr({ width: f.width, height: f.height }).addClass('ghf-bg').attr({ fill: `url(#${f.gradientId})` });

  canvas.plain(f.title).addClass('ghf-title').attr({ x: f.centre, y: f.titleY, 'font-size': f.titleSize });
  if (variant.subtitle) canvas.plain(f.subtitle).addClass('ghf-subtitle').attr({ x: f.centre, y: f.subtitleY });
  canvas.plain(f.summary).addClass('ghf-summary').attr({ x: f.centre, y: f.summaryY });
  if (variant.legend) legend(canvas, f);
  control(canvas, 'Reset Zoom', 'ghf-unzoom', f.xpad, f.titleY);
  control(canvas, 'Search', 'ghf-search', f.searchX, f.titleY);
  control(canvas, 'ic', 'ghf-ic', f.icX, f.titleY).attr({ 'aria-pressed': 'false' });
  canvas.plain('').addClass('ghf-details').attr({ x: f.xpad, y: f.detailsY, 'aria-live': 'polite' });
  canvas.plain('').addClass('ghf-matched').attr({ x: f.matchedX, y: f.detailsY });

  const frames = canvas.group().addClass('ghf-frames').attr({ 'data-total': f.total });
  (frames.node as unknown as { appendChild(n: unknown): void }).appendChild(window.document.createComment(FRAMES_MARK));
  canvas.element('script').words(f.script);

  const text = canvas.svg();
  const mark = text.indexOf(`<!--${FRAMES_MARK}-->`);
  return {
    head: '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n' + text.slice(0, mark) + '\n',
    tail: text.slice(mark + FRAMES_MARK.length + 7) + '\n',
  };
}

/**
 * The colour legend of a differential graph: the largest shrinkage drawn (blue), no change (white)
 * and the largest growth drawn (red), as a bar with its two ends written beside it.
 */
function legend(canvas: Svg, f: ShellFields): void {
  canvas
    .defs()
    .gradient('linear', (add) => CHANGE_COLORS.forEach((color, k) => add.stop(k / 2, hex(color))))
    .attr({ id: 'ghf-change', x1: 0, y1: 0, x2: 1, y2: 0 });
  const group = canvas.group().addClass('ghf-legend');
  group.plain(f.legendLow).addClass('ghf-legend-low').attr({ x: f.legendLowX, y: f.legendY });
  group
    .put(new Rect())
    .attr({ x: f.legendBarX, y: f.legendBarY, width: LEGEND_BAR_WIDTH, height: f.legendBarHeight, fill: 'url(#ghf-change)', stroke: '#888', 'stroke-width': 0.5 });
  group.plain(f.legendHigh).addClass('ghf-legend-high').attr({ x: f.legendHighX, y: f.legendY });
}

/** A text button; hidden until the script runs, reachable with Tab and pressed with Enter or Space. */
function control(canvas: Svg, label: string, className: string, x: string, y: string) {
  return canvas.plain(label).addClass(`ghf-ctl ${className}`).attr({ x, y, role: 'button', tabindex: 0 });
}

/** The shell of every variant with `{{field}}` in place of each value: what templates/flamegraph-shell.json holds. */
export function generateShellTemplate(): Record<string, SvgShell> {
  const markers = Object.fromEntries(SHELL_FIELDS.map((name) => [name, `{{${name}}}`])) as ShellFields;
  return Object.fromEntries(SHELL_VARIANTS.map((v) => [variantKey(v), buildShellDocument(markers, v)]));
}

/**
 * Writes templates/flamegraph-shell.json: the document shell built with svg.js on svgdom, with
 * `{{field}}` markers for the values, which shell.ts fills at render time. Run it after changing
 * this file or shell.ts (`npm run build && node dist/flame/shell-template.js`);
 * test/flame/shell.test.ts fails while the committed file is stale.
 */
export function shellTemplateText(): string {
  const generatedBy = 'goheapflame src/flame/shell-template.ts (svg.js on svgdom); do not edit';
  return JSON.stringify({ generatedBy, variants: generateShellTemplate() }, null, 1) + '\n';
}

if (process.argv[1] && new URL(import.meta.url).pathname === process.argv[1]) {
  writeFileSync(SHELL_TEMPLATE_URL, shellTemplateText());
  process.stdout.write(`wrote ${SHELL_TEMPLATE_URL.pathname}\n`);
}
