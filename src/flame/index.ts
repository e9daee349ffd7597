/** The flame-graph renderer: folded stacks in, one self-contained SVG out. */
export type { Stack } from './tree.js';
export { parseStacks, decodeStackText, type ParsedStacks, type StackFormat } from './input.js';
export { formatFolded } from './folded.js';
export { canonicalFrameName } from './tree.js';
export { renderFlameGraph, writeFlameGraph, flameGraphChunks } from './render.js';
export { DEFAULT_OPTIONS, parseMinWidth, type FlameOptions, type MinWidth } from './options.js';
export { PALETTE_NAMES, type PaletteName } from './options.js';
