/** The colour palettes (see colors.ts): flamegraph.pl's, and `go`, which colours Go frames by kind. */
export const PALETTE_NAMES = [
  'mem', 'hot', 'go', 'io', 'red', 'green', 'blue', 'aqua', 'yellow', 'purple', 'orange',
] as const;
export type PaletteName = (typeof PALETTE_NAMES)[number];
