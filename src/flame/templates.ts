import { readFileSync } from 'node:fs';

/**
 * The files in templates/: the JavaScript and CSS embedded in every SVG (real files, so they can be
 * read, linted and tested as what they are) and the document shell (generated from svg-document.ts
 * by write-shell-template.ts). Each is read once, on first use. The path is the same from src/flame
 * (vitest) and dist/flame (the built CLI).
 */
/** The SVG around the frames, split where the frames go. */
export interface SvgShell {
  head: string;
  tail: string;
}

export const SHELL_TEMPLATE_URL = new URL('../../templates/flamegraph-shell.json', import.meta.url);

let assets: { script: string; style: string } | undefined;
let shell: Record<string, SvgShell> | undefined;

export function svgAssets(): { script: string; style: string } {
  assets ??= {
    script: readFileSync(new URL('../../templates/flamegraph.js', import.meta.url), 'utf8'),
    style: readFileSync(new URL('../../templates/flamegraph.css', import.meta.url), 'utf8'),
  };
  return assets;
}

/** The shell of each variant (see shell-fields.ts), by `variantKey`. */
export function shellTemplate(): Record<string, SvgShell> {
  shell ??= (JSON.parse(readFileSync(SHELL_TEMPLATE_URL, 'utf8')) as { variants: Record<string, SvgShell> }).variants;
  return shell;
}
