import { describe, expect, it } from 'vitest';
import { decodeStackText, detectFormat, parseStacks, readFrameTree, readFrameTreeFromBytes } from '../../src/flame/input.js';
import { buildFrameTree } from '../../src/flame/tree.js';

describe('folded stacks, read as flamegraph.pl reads them', () => {
  it('reads frames root first and the count after the last space', () => {
    const { stacks, warnings, format } = parseStacks('main;net/http.(*conn).serve;runtime.mallocgc 1234\n');
    expect(format).toBe('folded');
    expect(warnings).toEqual([]);
    expect(stacks).toEqual([{ frames: ['main', 'net/http.(*conn).serve', 'runtime.mallocgc'], value: 1234 }]);
  });

  it('handles CRLF, a byte-order mark and a missing final newline', () => {
    const { stacks, warnings } = parseStacks('\ufeffa;b 1\r\na;c 2\r\nd 3');
    expect(warnings).toEqual([]);
    expect(stacks.map((s) => [s.frames.join(';'), s.value])).toEqual([['a;b', 1], ['a;c', 2], ['d', 3]]);
  });

  it('keeps UTF-8 names and fractional counts', () => {
    const { stacks } = parseStacks('goroutine 7 main.run · 列表;[]uint8 1.5\nx;y 3.\n');
    expect(stacks).toEqual([
      { frames: ['goroutine 7 main.run · 列表', '[]uint8'], value: 1.5 },
      { frames: ['x', 'y'], value: 3 },
    ]);
  });

  it('reads a second count as a differential line (before, after)', () => {
    expect(parseStacks('a;b 10 12\n').stacks).toEqual([{ frames: ['a', 'b'], value: 10, value2: 12 }]);
  });

  it('keeps spaces inside names, including an extra one before the count', () => {
    // flamegraph.pl's `\s+?` takes one whitespace character; the other stays in the name.
    expect(parseStacks('a b;c  7\n').stacks[0]!.frames).toEqual(['a b', 'c ']);
  });

  it('drops trailing empty frames as Perl split does, and keeps inner ones', () => {
    expect(parseStacks('a;;b;; 1\n').stacks[0]!.frames).toEqual(['a', '', 'b']);
    expect(parseStacks(' 5\n').stacks[0]!.frames).toEqual([]);
  });

  it('skips blank lines silently and malformed ones with a warning naming the line', () => {
    const text = 'a;b 1\n\n   \nno count here\na;b 1e3\na;b -2\na;b 5 \n.5\na;c 2\n';
    const { stacks, warnings } = parseStacks(text);
    expect(stacks.map((s) => s.frames.join(';'))).toEqual(['a;b', 'a;c']);
    expect(warnings).toEqual([4, 5, 6, 7, 8].map((n) => `line ${n}: not a folded stack ("frame;frame;… count"); skipped.`));
  });

  it('summarises warnings after the first twenty', () => {
    const text = Array.from({ length: 50 }, (_, i) => `bad${i}`).join('\n');
    const { warnings } = parseStacks(text);
    expect(warnings).toHaveLength(21);
    expect(warnings[20]).toBe('30 more malformed lines skipped (last at line 50).');
  });

  it('finds no stacks in empty or blank input', () => {
    expect(parseStacks('').stacks).toEqual([]);
    expect(parseStacks('\n \r\n\t\n').stacks).toEqual([]);
  });
});

describe('backtrace blocks, as viewcore objref writes them', () => {
  // The shape objref writes: frames leaf first, one per line, then a tab and the count.
  const objref = [
    '*main.Session 0xc000100000',
    '[value]',
    'map[string]*main.Session 0xc000010000',
    'main.sessions 0x5a0b20',
    '\t4096',
    'map[string]*main.Session 0xc000010000',
    'main.sessions 0x5a0b20',
    '\t208',
    '',
  ].join('\n');

  it('is detected and read root first', () => {
    const { stacks, format, warnings } = parseStacks(objref);
    expect(format).toBe('backtrace');
    expect(warnings).toEqual([]);
    expect(stacks).toEqual([
      { frames: ['main.sessions 0x5a0b20', 'map[string]*main.Session 0xc000010000', '[value]', '*main.Session 0xc000100000'], value: 4096 },
      { frames: ['main.sessions 0x5a0b20', 'map[string]*main.Session 0xc000010000'], value: 208 },
    ]);
  });

  it('cleans SystemTap frames as stackcollapse-stap.pl does', () => {
    const stap = ' 0xffffffff8103ce3b : native_safe_halt+0xb/0x10 [kernel]\n 0xffffffff8101c6a3 : default_idle+0x53/0x1d0 [kernel]\n\t2404\n';
    expect(parseStacks(stap).stacks).toEqual([{ frames: ['default_idle', 'native_safe_halt'], value: 2404 }]);
  });

  it('warns about a last block without a count', () => {
    const { stacks, warnings } = parseStacks(`${objref}leaf 0x1\nroot 0x2\n`);
    expect(stacks).toHaveLength(2);
    expect(warnings).toEqual(['line 9: backtrace block has no count line after its frames; skipped.']);
  });

  it('is not mistaken for folded text, nor folded text for it', () => {
    expect(detectFormat(['a;b 1', '\t5', 'c 2'])).toBe('folded'); // `\t5` is a folded line with an empty stack
    expect(detectFormat(['\t5', 'a 1'])).toBe('folded');
    expect(detectFormat(['leaf', 'root', '  7'])).toBe('backtrace');
  });
});

describe('reading a frame tree straight from text', () => {
  const cases = {
    'depth-first': 'a 1\na;b 2\na;b;c 3\na;b;d 4\na;e 5\nf 6\n',
    shuffled: 'a;b;d 4\nf 6\na 1\na;e 5\na;b 2\na;b;c 3\n',
    'repeats and prefixes': 'a;b 1\na;b 1\na;bc 2\na;b;c 3\na;b 4\na 5\na;b;; 6\n 7\n\na;;x 8\nbad\n',
    differential: 'a;b 1 2\na;b;c 3 1\na;d 5\n',
  };
  for (const [name, text] of Object.entries(cases)) {
    it(`gives the same tree as parsing the stacks first: ${name}`, () => {
      const fast = readFrameTree(text, false);
      const parsed = parseStacks(text);
      expect(fast.tree).toEqual(buildFrameTree(parsed.stacks));
      expect(fast.warnings).toEqual(parsed.warnings);
    });
  }

  it('reverses stacks when asked', () => {
    const { tree } = readFrameTree('a;b 1\na;c 2\n', true);
    expect(tree.name).toEqual(['all', 'b', 'a', 'c', 'a']);
  });
});

describe('decoding input bytes', () => {
  it('reads UTF-8, replaces invalid bytes, and honours UTF-16 byte-order marks', () => {
    expect(decodeStackText(Buffer.from('é;x 1\n'))).toBe('é;x 1\n');
    expect(decodeStackText(Uint8Array.of(0x61, 0xff, 0x20, 0x31))).toBe('a\ufffd 1');
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a;b 1\n', 'utf16le')]);
    expect(parseStacks(decodeStackText(utf16)).stacks).toEqual([{ frames: ['a', 'b'], value: 1 }]);
  });
});

describe('reading a frame tree straight from bytes', () => {
  const nbsp = '\u00a0';
  const cases: Record<string, Buffer> = {
    'ASCII, depth-first': Buffer.from('a 1\na;b 2\na;b;c 3\na;b;d 4\na;e 5\nf 6\n'),
    'UTF-8 names, shared and not': Buffer.from('goroutine 7 main.run · 列表;[]uint8 2\ngoroutine 7 main.run · 列表;[]uint8;é 3\nö;ü 4\nö;ü;😀 1\n'),
    'a byte-order mark, CRLF, blank and malformed lines': Buffer.from('\ufeffa;b 1\r\n\r\n \t\nno count\na;c 2\r\n'),
    'whitespace beyond ASCII before counts and as blank lines': Buffer.from(`a;b${nbsp}5\na;b;c 1${nbsp}7\na;d${nbsp}3 4\n${nbsp}\u3000\nx\u00a0\n`),
    differential: Buffer.from('a;b 1 2\na;b;c 3 1\na;d 5\n'),
    'invalid UTF-8 inside names and at line ends': Buffer.concat([
      Buffer.from('a;'),
      Buffer.from([0xe2, 0x82]),
      Buffer.from(';b 1\na;'),
      Buffer.from([0xe2, 0x82]),
      Buffer.from(' 2\nc'),
      Buffer.from([0xff, 0xc3]),
      Buffer.from('\n'),
      Buffer.from([0xc3]),
      Buffer.from(';d 3\n'),
      Buffer.from([0xf0, 0x9f, 0x98]),
      Buffer.from(';\u00ff 4'),
    ]),
    'backtrace blocks': Buffer.from('leaf 0x1\nmid é\nroot 0x2\n\t64\nother 0x3\nroot 0x2\n\t32\n'),
    'UTF-16 with a byte-order mark': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a;b 3\nä;c 4\n', 'utf16le')]),
  };
  for (const [name, bytes] of Object.entries(cases)) {
    it(`gives the same tree and warnings as decoding the text first: ${name}`, () => {
      for (const reverse of [false, true]) {
        const fromBytes = readFrameTreeFromBytes(bytes, reverse);
        const fromText = readFrameTree(decodeStackText(bytes), reverse);
        expect(fromBytes).toEqual(fromText);
        expect(fromBytes.tree.stacks).toBeGreaterThan(0);
      }
    });
  }

  it('reads names beyond ASCII as UTF-8, and whitespace beyond ASCII before a count as a separator', () => {
    const { tree, warnings } = readFrameTreeFromBytes(cases['whitespace beyond ASCII before counts and as blank lines']!, false);
    expect(warnings).toEqual(['line 5: not a folded stack ("frame;frame;… count"); skipped.']);
    expect(tree.name).toEqual(['all', 'a', 'b', 'c', 'd']);
    // b: 5; c: `1 7` (differential, width 7, change +6); d: `3 4` (width 4, change +1). A line
    // with one count is the same in base and new; a frame's change includes its descendants'.
    expect([...tree.total]).toEqual([16, 16, 12, 7, 4]);
    expect([...tree.delta!]).toEqual([7, 7, 6, 6, 1]);
    expect([...tree.base!]).toEqual([9, 9, 6, 1, 3]);
    expect(readFrameTreeFromBytes(cases['UTF-8 names, shared and not']!, false).tree.name).toEqual([
      'all', 'goroutine 7 main.run · 列表', '[]uint8', 'é', 'ö', 'ü', '😀',
    ]);
  });
});

