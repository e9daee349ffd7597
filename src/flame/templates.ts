import { readFileSync } from 'node:fs';

/**
 * The JavaScript and CSS embedded in every SVG. They are real files in templates/ (so they can be
 * read, linted and tested as what they are) and are read once, on first use. The path is the same
 * from src/flame (vitest) and dist/flame (the built CLI).
 */
let cache: { script: string; style: string } | undefined;

export function svgAssets(): { script: string; style: string } {
  cache ??= {
    script: readFileSync(new URL('../../templates/flamegraph.js', import.meta.url), 'utf8'),
    style: readFileSync(new URL('../../templates/flamegraph.css', import.meta.url), 'utf8'),
  };
  return cache;
}
