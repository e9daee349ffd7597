import { describe, expect, it } from 'vitest';
import { formatCount, formatFolded } from '../../src/flame/folded.js';
import { canonicalFrameName } from '../../src/flame/tree.js';
import { parseStacks } from '../../src/flame/input.js';
import type { Stack } from '../../src/flame/tree.js';

describe('formatFolded', () => {
  it('writes lines that parseStacks reads back as the same stacks', () => {
    const stacks: Stack[] = [
      { frames: ['global main.sessions', '.sessions map[string]*main.Session', '[value] *main.Session'], value: 4096 },
      { frames: ['a b ', ' c'], value: 1.25 },
      { frames: ['d'], value: 3, value2: 5 },
      { frames: [], value: 7 },
      { frames: ['goroutine 42 main.worker · list', '.next *main.Node ×1000'], value: 48000 },
    ];
    expect(parseStacks(formatFolded(stacks)).stacks).toEqual(stacks);
  });

  it('writes canonical names, which also read back exactly', () => {
    const awkward: Stack[] = [
      { frames: ['struct { a int; b int }', 'line\nbreak', 'tab\there', 'goroutine 42', '', 'bad \ud800 half', 'x 1.5'], value: 9 },
    ];
    const expected = awkward.map((s) => ({ ...s, frames: s.frames.map(canonicalFrameName) }));
    expect(parseStacks(formatFolded(awkward)).stacks).toEqual(expected);
    expect(expected[0]!.frames).toEqual([
      'struct { a int, b int }',
      'line break',
      'tab here',
      'goroutine \u200b42',
      '-',
      'bad \ufffd half',
      'x \u200b1.5',
    ]);
  });

  it('refuses counts that are not finite and non-negative', () => {
    expect(() => formatFolded([{ frames: ['a'], value: -1 }])).toThrow(RangeError);
    expect(() => formatFolded([{ frames: ['a'], value: Number.NaN }])).toThrow(RangeError);
  });
});

describe('formatCount', () => {
  it('writes plain decimals that read back to the same number, never exponents', () => {
    for (const value of [0, 7, 1.5, 1e21, 1.2345e22, 1e-7, 3.4e-9, 123456789012345680000, 0.1 + 0.2]) {
      const text = formatCount(value);
      expect(text).toMatch(/^\d+(\.\d+)?$/);
      expect(Number(text)).toBe(value);
    }
    expect(formatCount(1e21)).toBe('1000000000000000000000');
    expect(formatCount(1e-7)).toBe('0.0000001');
  });
});

describe('canonicalFrameName', () => {
  it('leaves ordinary names alone and is idempotent', () => {
    for (const name of ['main.main', '[value] *main.Session', 'goroutine 42 main.worker · list', '列表', '🙂']) {
      expect(canonicalFrameName(name)).toBe(name);
    }
    for (const name of ['a;b', 'x 12', '', '\u0001', '\ufffe', 'a\r\nb']) {
      const once = canonicalFrameName(name);
      expect(canonicalFrameName(once)).toBe(once);
    }
  });

  it('changes exactly the names its rules name (checked against the rules as regular expressions)', () => {
    const byRules = (name: string) =>
      name === ''
        ? '-'
        : name
            .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')
            .replace(/;/g, ',')
            .replace(/[\u0000-\u001f\u007f]/g, ' ')
            .replace(/[\ufffe\uffff]/g, '\ufffd')
            .replace(/(\s)(\d+(?:\.\d*)?)$/, '$1\u200b$2');
    const alphabet = ['a', 'Z', '0', '7', '.', ' ', '\t', '\u00a0', '\u3000', ';', '\u0001', '\u007f', '\ud83d', '\ude42', '\ufffe', '列', '*', '[', ']'];
    let seed = 9;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const names = ['pkg2.T7', 'goroutine 42', 'x 1.', 'x .5', 'x 1.2.3', 'v\u00a012', 'a\u30007.5', '🙂 3'];
    for (let n = 0; n < 20_000; n++) {
      names.push(Array.from({ length: Math.floor(next() * 8) }, () => alphabet[Math.floor(next() * alphabet.length)]).join(''));
    }
    expect(names.filter((name) => canonicalFrameName(name) !== byRules(name))).toEqual([]);
  });
});
