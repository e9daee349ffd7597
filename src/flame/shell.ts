import type { Geometry } from './geometry.js';
import type { FlameOptions } from './options.js';
import { shellFields, shellVariant, variantKey, type ShellFacts, type ShellFields, type SvgShell } from './shell-fields.js';
import { shellTemplate } from './templates.js';
import { escapeXml } from './xml.js';

/**
 * The document around the frames, filled in from templates/flamegraph-shell.json: the shell that
 * svg-document.ts builds with svg.js on svgdom, with `{{field}}` where each value goes. Filling it
 * gives the same bytes as building it (test/flame/shell.test.ts checks), without loading svgdom,
 * which took longer than rendering 100,000 stacks.
 */
export function buildShell(o: FlameOptions, g: Geometry, facts: ShellFacts): SvgShell {
  const template = shellTemplate()[variantKey(shellVariant(o))];
  if (!template) throw new Error('templates/flamegraph-shell.json lacks a variant; regenerate it (node dist/flame/write-shell-template.js)');
  const fields = shellFields(o, g, facts);
  return { head: fill(template.head, fields), tail: fill(template.tail, fields) };
}

/** Replaces each `{{field}}`, escaped as svgdom escapes text and attributes; the notes are comment text. */
function fill(template: string, fields: ShellFields): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    const value = fields[name as keyof ShellFields];
    if (value === undefined) throw new Error(`templates/flamegraph-shell.json has an unknown field {{${name}}}`);
    return name === 'notes' ? value : escapeXml(value);
  });
}
