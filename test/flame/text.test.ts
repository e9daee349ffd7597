import { describe, expect, it } from 'vitest';
import { fitLabel } from '../../src/flame/svg.js';
import { ByteWriter } from '../../src/flame/bytes.js';
import { formatCount, writeCount } from '../../src/flame/folded.js';
import { escapeXml } from '../../src/flame/svg.js';
import { integerText, tenthsText, toFixed, formatBytes, groupDigits, formatPercent, writePercent, writeTenths } from '../../src/flame/units.js';
import { mulberry32 } from '../support/random.js';

describe('byte counts as people read them', () => {
  it('uses B, KiB, MiB, GiB with three significant digits', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1,023 B');
    expect(formatBytes(1.5)).toBe('1.5 B');
    expect(formatBytes(1024)).toBe('1.00 KiB');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(10 * 1024 + 300)).toBe('10.3 KiB');
    expect(formatBytes(1023.7 * 1024)).toBe('1.00 MiB'); // not "1024 KiB"
    expect(formatBytes(5 * 1024 ** 3)).toBe('5.00 GiB');
    expect(formatBytes(3 * 1024 ** 4)).toBe('3.00 TiB');
  });

  it('groups digits and keeps at most two decimals', () => {
    expect(groupDigits(1234567)).toBe('1,234,567');
    expect(groupDigits(1234.5)).toBe('1,234.5');
    expect(groupDigits(0.125)).toBe('0.13');
  });
});

describe('labels fitted to the frame', () => {
  const char = 7.32; // 12 px × 0.61

  it('shows the whole name, with the size when there is room', () => {
    expect(fitLabel('main.run', '1.00 KiB', 200, char)).toBe('main.run (1.00 KiB)');
    expect(fitLabel('main.run', '1.00 KiB', 100, char)).toBe('main.run');
    expect(fitLabel('main.run', undefined, 200, char)).toBe('main.run');
  });

  it('cuts long names with .. and drops labels under three characters', () => {
    const width = 6 + 10 * char; // room for exactly ten characters
    expect(fitLabel('0123456789', undefined, width, char)).toBe('0123456789');
    expect(fitLabel('0123456789abc', undefined, width, char)).toBe('01234567..');
    expect(fitLabel('0123456789', undefined, 6 + 2.9 * char, char)).toBe('');
    expect(fitLabel('0123456789', undefined, 6 + 3 * char, char)).toBe('0..');
  });

  it('counts wide characters twice and never splits a surrogate pair', () => {
    const width = 6 + 10 * char;
    expect(fitLabel('列表列表列表', undefined, width, char)).toBe('列表列表..');
    expect(fitLabel('a🙂🙂🙂🙂🙂', undefined, width, char)).toBe('a🙂🙂🙂..');
    expect(fitLabel('🙂🙂🙂🙂🙂🙂', undefined, 6 + 5 * char, char)).toBe('🙂..');
  });
});

describe('numbers as text, the built-ins\' text faster', () => {
  /** Seeded, so a failure names a value that reproduces. */
  const random = mulberry32(42);
  const edges = [0, -0, 0.5, 1.5, 2.5, 0.005, 0.015, 1.005, 1.255, 8.345, 99.995, 1023.995, 0.045, 2 ** 31 / 100, 2 ** 31, 1e21, -1.5, -0.001, NaN, Infinity];

  it('toFixed gives Number.prototype.toFixed\'s text, near ties included', () => {
    const values = [...edges];
    for (let i = 0; i < 200_000; i++) {
      values.push(random() * 10 ** Math.floor(random() * 8)); // spread over magnitudes
      values.push(Math.floor(random() * 1e6) / 1000 + 0.0005); // x.yyy5: next to a tie for two digits
      values.push((100 * Math.floor(random() * 1e9)) / Math.floor(1 + random() * 1e9)); // percentages
    }
    for (const digits of [0, 1, 2] as const) {
      const wrong = values.filter((v) => toFixed(v, digits) !== v.toFixed(digits));
      expect(wrong, `digits ${digits}`).toEqual([]);
    }
  });

  it('tenthsText gives String of a one-decimal number', () => {
    const values = [0, -0, 0.1, 7, 12.3, -0.5, 1179.9, 2 ** 31 / 10 - 0.1, 2 ** 31, 1e21, 0.05, 1 / 3];
    for (let i = 0; i < 200_000; i++) values.push(Math.round((random() - 0.1) * 1e5) / 10);
    expect(values.filter((v) => tenthsText(v) !== String(v))).toEqual([]);
  });

  it('integerText gives String of an integer', () => {
    const values = [0, 1, 2 ** 31 - 1, 2 ** 31, 1e9, 1e9 - 1, 1e15 + 7, 2 ** 53 - 1, 2 ** 53, 2 ** 60, 1.5, -3, NaN];
    for (let i = 0; i < 200_000; i++) values.push(Math.floor(random() * 2 ** Math.floor(random() * 54)));
    expect(values.filter((v) => integerText(v) !== String(v))).toEqual([]);
  });

  /** The values whose `write` bytes differ from their `text` as UTF-8 (each written into a fresh writer). */
  function differing<T>(values: T[], write: (out: ByteWriter, v: T) => void, text: (v: T) => string): T[] {
    return values.filter((v) => {
      const out = new ByteWriter(1);
      write(out, v);
      return out.bytes().toString('utf8') !== text(v);
    });
  }

  it('writeTenths, writePercent and writeCount write the bytes of tenthsText, formatPercent and formatCount', () => {
    const tenths = [0, -0, 0.1, 7, 12.3, -0.5, 1179.9, 2 ** 31 / 10 - 0.1, 2 ** 31 / 10, 2 ** 31, 1e21, 0.05, 1 / 3];
    const shares: [number, number][] = [[0, 0], [0, 5], [5, 0], [1, 3], [2, 3], [1, 1], [0.00005, 1], [-1, 3], [1e300, 1e-300]];
    const counts = [0, -0, 1, 1.5, 0.1 + 0.2, 2 ** 31 - 1, 2 ** 31, 1e15 + 7, 2 ** 53, 1e21, 1e-7];
    for (let i = 0; i < 100_000; i++) {
      tenths.push(Math.round((random() - 0.1) * 1e5) / 10);
      shares.push([Math.floor(random() * 1e9), Math.floor(1 + random() * 1e9)]);
      shares.push([random() * 1000, 1000]);
      counts.push(Math.floor(random() * 2 ** Math.floor(random() * 54)), random() * 1e4);
    }
    expect(differing(tenths, writeTenths, tenthsText)).toEqual([]);
    expect(differing(shares, (out, [part, total]) => writePercent(out, part, total), ([part, total]) => formatPercent(part, total))).toEqual([]);
    expect(differing(counts, writeCount, formatCount)).toEqual([]);
  });
});

describe('the byte writer', () => {
  it('escapes as escapeXml does and encodes as UTF-8, whole or up to a length, growing as it goes', () => {
    const texts = ['', 'plain', '<a href="x">&amp;</a>', 'ünïcödé & "日本語" <🙂>', '🙂'.repeat(100), 'x'.repeat(5000), 'a\u0000b', 'é<'];
    const out = new ByteWriter(1);
    let expected = '';
    for (const text of texts) {
      for (const end of [text.length, text.length >> 1]) {
        // `end` never splits a pair here: the halves of '🙂'.repeat(100) fall between pairs.
        out.escaped(text, end);
        expected += escapeXml(text.slice(0, end));
      }
      out.ascii('|');
      out.text(text);
      out.digits(text.length);
      expected += `|${text}${text.length}`;
    }
    expect(out.bytes().toString('utf8')).toBe(expected);
  });
});

