/** The flame-graph renderer: folded stacks in, one self-contained SVG out. */
export type { Stack } from './stack.js';
export { parseStacks, decodeStackText, type ParsedStacks, type StackFormat } from './parse.js';
export { formatFolded } from './folded.js';
export { canonicalFrameName } from './frame-names.js';
export { renderFlameGraph, writeFlameGraph, flameGraphChunks } from './render.js';
export { DEFAULT_OPTIONS, parseMinWidth, type FlameOptions, type MinWidth } from './options.js';
export { PALETTE_NAMES, type PaletteName } from './palettes.js';
