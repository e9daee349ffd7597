/**
 * Writes templates/flamegraph-shell.json: the document shell built with svg.js on svgdom, with
 * `{{field}}` markers for the values, which shell.ts fills at render time. Run it after changing
 * svg-document.ts or shell-fields.ts (`npm run build && node dist/flame/write-shell-template.js`);
 * test/flame/shell.test.ts fails while the committed file is stale.
 */
import { writeFileSync } from 'node:fs';
import { generateShellTemplate } from './svg-document.js';
import { SHELL_TEMPLATE_URL } from './templates.js';

export function shellTemplateText(): string {
  const generatedBy = 'goheapflame src/flame/write-shell-template.ts (svg.js on svgdom); do not edit';
  return JSON.stringify({ generatedBy, variants: generateShellTemplate() }, null, 1) + '\n';
}

if (process.argv[1] && new URL(import.meta.url).pathname === process.argv[1]) {
  writeFileSync(SHELL_TEMPLATE_URL, shellTemplateText());
  process.stdout.write(`wrote ${SHELL_TEMPLATE_URL.pathname}\n`);
}
