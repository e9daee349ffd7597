import { backgroundColors } from './colors.js';
import { formatCount } from './folded.js';
import { round1, type Geometry } from './geometry.js';
import type { FlameOptions } from './options.js';
import { svgAssets, type SvgShell } from './templates.js';
import { commentText } from './xml.js';

export type { SvgShell };

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

/** The parts of the shell that are there or not (they change its elements, not just a value). */
export interface ShellVariant {
  subtitle: boolean;
  notes: boolean;
}

export const SHELL_VARIANTS: readonly ShellVariant[] = [
  { subtitle: false, notes: false },
  { subtitle: true, notes: false },
  { subtitle: false, notes: true },
  { subtitle: true, notes: true },
];

export function variantKey(v: ShellVariant): string {
  return `${v.subtitle ? 'subtitle' : 'no-subtitle'},${v.notes ? 'notes' : 'no-notes'}`;
}

export const SHELL_FIELDS = [
  'width', 'height', 'fontFamily', 'fontSize', 'xpad', 'frameTop', 'depthStep', 'labelDy', 'charWidth',
  'sizeLabels', 'nameType', 'inverted', 'heading', 'notes', 'gradientId', 'bgFrom', 'bgTo', 'style',
  'title', 'centre', 'titleY', 'titleSize', 'subtitle', 'subtitleY', 'summary', 'summaryY', 'searchX',
  'icX', 'detailsY', 'matchedX', 'total', 'script',
] as const;

/**
 * Every value in the shell, as the text that goes into the document before XML escaping: numbers
 * spelled as svg.js spells them (`String(n)` for finite numbers), `notes` already made safe for
 * the XML comment it goes into. Both the svg.js builder and the template filler take these, so
 * they write the same bytes.
 */
export type ShellFields = Record<(typeof SHELL_FIELDS)[number], string>;

export function shellVariant(o: FlameOptions): ShellVariant {
  return { subtitle: o.subtitle !== '', notes: o.notes !== '' };
}

export function shellFields(o: FlameOptions, g: Geometry, facts: ShellFacts): ShellFields {
  const { script, style } = svgAssets();
  const [bgFrom, bgTo] = backgroundColors(o.colors);
  const char = o.fontSize * o.fontWidth;
  const n = String;
  return {
    width: n(g.width),
    height: n(g.height),
    fontFamily: o.fontType,
    fontSize: n(o.fontSize),
    xpad: n(g.xpad),
    frameTop: n(g.frameTop0),
    depthStep: n(g.depthStep),
    labelDy: n(g.labelDy),
    charWidth: n(char),
    sizeLabels: facts.sizeInLabels ? '1' : '0',
    nameType: o.nameType,
    inverted: o.inverted ? '1' : '0',
    heading: facts.heading,
    notes: commentText(o.notes),
    gradientId: `ghf-bg-${o.colors}`,
    bgFrom,
    bgTo,
    style,
    title: o.title,
    centre: n(g.width / 2),
    titleY: n(g.titleY),
    titleSize: n(o.fontSize + 5),
    subtitle: o.subtitle,
    subtitleY: n(g.headerY[0]!),
    summary: facts.summary,
    summaryY: n(g.headerY.at(-1)!),
    // At the right: `ic`, and room before it for the longer label "Reset Search".
    searchX: n(round1(g.width - g.xpad - 15 * char)),
    icX: n(round1(g.width - g.xpad - 2 * char)),
    detailsY: n(g.detailsY),
    matchedX: n(g.width - g.xpad),
    total: formatCount(facts.total),
    script,
  };
}
