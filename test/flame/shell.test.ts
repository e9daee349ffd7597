import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type FlameOptions, PALETTE_NAMES } from '../../src/flame/options.js';
import { planFlameGraph } from '../../src/flame/render.js';
import { buildShell, shellFields, shellVariant, SHELL_TEMPLATE_URL } from '../../src/flame/shell.js';
import { buildShellDocument, shellTemplateText } from '../../src/flame/shell-template.js';

const stacks = [
  { frames: ['main', 'alloc'], value: 3 * 1024 * 1024 },
  { frames: ['main', 'other'], value: 1024.5 },
];
const hostile = '<b>"x" & \'y\'</b> -- {{width}} ]]> é 列表 😀';

const cases: Array<[string, Partial<FlameOptions>]> = [
  ['defaults', {}],
  ['every text option hostile', { title: hostile, subtitle: hostile, notes: hostile, nameType: hostile, fontType: hostile }],
  ['subtitle only', { subtitle: 'prod-1' }],
  ['notes only', { notes: 'a - b -- c -' }],
  ['icicle, samples, odd sizes', { inverted: true, countName: 'samples', width: 1001, frameHeight: 17, fontSize: 11.5, fontWidth: 0.57 }],
  ['a larger total', { total: 1e17 }],
  ...PALETTE_NAMES.map((colors): [string, Partial<FlameOptions>] => [`palette ${colors}`, { colors }]),
];

describe('the document shell', () => {
  for (const [name, options] of cases) {
    it(`filled from the template is byte for byte what svg.js on svgdom builds: ${name}`, () => {
      const plan = planFlameGraph(stacks, options);
      const fields = shellFields(plan.options, plan.geometry, plan.facts);
      const built = buildShellDocument(fields, shellVariant(plan.options, plan.facts));
      expect(buildShell(plan.options, plan.geometry, plan.facts)).toEqual(built);
    });
  }

  it('puts every value where it belongs, escaped', () => {
    const plan = planFlameGraph(stacks, { title: hostile, subtitle: 'sub', notes: hostile });
    const { head, tail } = buildShell(plan.options, plan.geometry, plan.facts);
    expect(head).toContain('>&lt;b&gt;&quot;x&quot; &amp; \'y\'&lt;/b&gt; -- {{width}} ]]&gt; é 列表 😀</text>');
    expect(head).toContain('<!-- NOTES: <b>"x" & \'y\'</b> - - {{width}} ]]> é 列表 😀 -->');
    expect(head).toContain('>sub</text>');
    expect(head).toMatch(/ width="1200" height="\d+" viewBox="0 0 1200 \d+"/);
    expect(head.endsWith('<g class="ghf-frames" data-total="3146752.5">\n')).toBe(true);
    expect(tail.startsWith('</g><script>')).toBe(true);
    expect(tail.endsWith('</script></svg>\n')).toBe(true);
  });

  it('comes from a committed template that matches shell-template.ts (else: npm run build && node dist/flame/shell-template.js)', () => {
    expect(readFileSync(SHELL_TEMPLATE_URL, 'utf8')).toBe(shellTemplateText());
  });
});
