import { scaleLinear, scaleOrdinal } from 'd3-scale';
import { classify, frameKinds, type FrameKind } from '../analysis/frame-labels.js';
import type { PaletteName } from './options.js';

/**
 * Frame colours. Every colour is a function of the frame name (never random), so the same frame
 * has the same colour in every graph. The flamegraph.pl palettes keep its formulas; `go` colours
 * frames by what they hold (see analysis/frame-labels.ts).
 */

type Rgb = readonly [number, number, number];
type Pick = readonly [0 | 1 | 2, 0 | 1 | 2, 0 | 1 | 2];

/** flamegraph.pl's colour formula: channel c = base[c] + floor(span[c] × v[pick[c]]), v in [0, 1). */
interface Ramp {
  base: Rgb;
  span: Rgb;
  pick: Pick;
}

const same: Pick = [0, 0, 0];
const RAMPS: Record<Exclude<PaletteName, 'go'>, Ramp> = {
  hot: { base: [205, 0, 0], span: [50, 230, 55], pick: [2, 0, 1] },
  mem: { base: [0, 190, 0], span: [0, 50, 210], pick: [0, 1, 0] },
  io: { base: [80, 80, 190], span: [60, 60, 55], pick: [0, 0, 1] },
  red: { base: [200, 50, 50], span: [55, 80, 80], pick: same },
  green: { base: [50, 200, 50], span: [60, 55, 60], pick: same },
  blue: { base: [80, 80, 205], span: [60, 60, 50], pick: same },
  aqua: { base: [50, 165, 165], span: [60, 55, 55], pick: same },
  yellow: { base: [175, 175, 50], span: [55, 55, 20], pick: same },
  purple: { base: [190, 80, 190], span: [65, 60, 65], pick: same },
  orange: { base: [190, 90, 0], span: [65, 65, 0], pick: same },
};

/** The `go` palette: one light hue per kind, so black labels stay readable. */
const goRamp = scaleOrdinal<FrameKind, Ramp>()
  .domain(frameKinds)
  .range([
    { base: [175, 145, 225], span: [40, 40, 25], pick: same }, // roots: violet
    { base: [235, 145, 60], span: [20, 50, 50], pick: same }, // maps: orange
    { base: [105, 160, 230], span: [45, 45, 25], pick: same }, // slices: blue
    { base: [115, 195, 105], span: [50, 45, 50], pick: same }, // strings: green
    { base: [215, 190, 105], span: [35, 40, 50], pick: same }, // structs: sand
    { base: [170, 170, 170], span: [30, 30, 30], pick: same }, // unknown: grey
  ]);

/** Background gradients, flamegraph.pl's per palette family. */
export function backgroundColors(palette: PaletteName): [string, string] {
  switch (palette) {
    case 'hot':
      return ['#eeeeee', '#eeeeb0'];
    case 'mem':
      return ['#eef2ee', '#e0ffe0'];
    case 'io':
      return ['#eeeeee', '#e0e0ff'];
    default:
      return ['#f8f8f8', '#e8e8e8'];
  }
}

/** A differential graph's colours: the largest shrinkage, no change, the largest growth (the legend's stops too). */
export const CHANGE_COLORS: readonly [Rgb, Rgb, Rgb] = [[0, 0, 255], [255, 255, 255], [255, 0, 0]];

/** `#rrggbb` of a colour. */
export function hex(rgb: Rgb): string {
  return '#' + HEX_BYTE[rgb[0]]! + HEX_BYTE[rgb[1]]! + HEX_BYTE[rgb[2]]!;
}

export interface FrameColors {
  /** The fill of the frame named `name`; `isRoot` for the synthetic `all` frame. */
  ofName(name: string, isRoot: boolean): string;
  /** The fill of a frame in a differential graph: red grew, blue shrank, white unchanged. */
  ofDelta(delta: number): string;
}

export function frameColors(palette: PaletteName, hash: boolean, maxDelta: number): FrameColors {
  const cache = new Map<string, string>();
  const vector = hash ? hashVector : plainVector;
  const rampOf = (name: string, isRoot: boolean): Ramp =>
    palette === 'go' ? goRamp(isRoot ? 'root' : classify(name)) : RAMPS[palette];
  // One ramp and one hash for every name: cheaper to compute than to look up (a Map hashes the name too).
  const direct = palette !== 'go' && !hash ? RAMPS[palette] : undefined;
  const delta = scaleLinear<Rgb, string>()
    .domain([-Math.max(maxDelta, Number.MIN_VALUE), 0, Math.max(maxDelta, Number.MIN_VALUE)])
    .range([...CHANGE_COLORS])
    .interpolate((a, b) => (t) => hex(a.map((c, i) => Math.round(c + (b[i]! - c) * t)) as unknown as Rgb))
    .clamp(true);
  return {
    ofName(name, isRoot) {
      if (direct) return greyFor(name, isRoot) ?? rampColor(direct, fnv1a(name));
      const key = isRoot ? '\u0000' : name;
      let color = cache.get(key);
      if (color === undefined) {
        color = greyFor(name, isRoot) ?? applyRamp(rampOf(name, isRoot), vector(name));
        cache.set(key, color);
      }
      return color;
    },
    ofDelta: (d) => delta(d),
  };
}

/** flamegraph.pl's separator frames `--` and `-` are grey in every palette. */
function greyFor(name: string, isRoot: boolean): string | undefined {
  if (isRoot) return undefined;
  if (name === '--') return '#a0a0a0';
  if (name === '-') return '#c8c8c8';
  return undefined;
}

function applyRamp(ramp: Ramp, v: Rgb): string {
  const channel = (c: 0 | 1 | 2) => ramp.base[c] + Math.floor(ramp.span[c] * v[ramp.pick[c]]);
  return hex([channel(0), channel(1), channel(2)]);
}

const HEX_BYTE = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** Default: one FNV-1a hash of the whole name drives all three channels (flamegraph.pl: v1=v2=v3). */
function plainVector(name: string): Rgb {
  const v = fnv1a(name);
  return [v, v, v];
}

/** The 32-bit FNV-1a hash of the name's UTF-16 code units, as a fraction in [0, 1). */
function fnv1a(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) / 2 ** 32;
}

/** `applyRamp(ramp, [v, v, v])`, without the arrays. */
function rampColor(ramp: Ramp, v: number): string {
  const { base, span } = ramp;
  return '#' + HEX_BYTE[base[0] + Math.floor(span[0] * v)]! + HEX_BYTE[base[1] + Math.floor(span[1] * v)]! + HEX_BYTE[base[2] + Math.floor(span[2] * v)]!;
}

/** `--hash`: flamegraph.pl's namehash, weighting the first characters, so similar names get similar colours. */
function hashVector(name: string): Rgb {
  const v1 = nameHash(name);
  const v2 = nameHash([...name].reverse().join(''));
  return [v1, v2, v2];
}

function nameHash(name: string): number {
  let vector = 0;
  let weight = 1;
  let max = 1;
  let mod = 10;
  for (const ch of name.replace(/.(.*?)`/, '')) {
    vector += (((ch.codePointAt(0) ?? 0) % mod) / (mod++ - 1)) * weight;
    max += weight;
    weight *= 0.7;
    if (mod > 12) break;
  }
  return 1 - vector / max;
}
