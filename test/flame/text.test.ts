import { describe, expect, it } from 'vitest';
import { goFrameKind } from '../../src/flame/go-labels.js';
import { fitLabel } from '../../src/flame/label.js';
import { formatBytes, groupDigits } from '../../src/flame/units.js';

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

describe('Go frame kinds for the go palette', () => {
  it('classifies roots, maps, slices, strings, structs and unknown memory', () => {
    const cases: [string, string][] = [
      ['global main.sessions', 'root'],
      ['goroutine 42 main.worker · list', 'root'],
      ['finalizer *os.File', 'root'],
      ['cleanup *main.TempDir', 'root'],
      ['runtime allgs', 'root'],
      ['unreachable (allocated, no root reaches it)', 'root'],
      ['untyped unsafe.Pointer roots', 'unknown'],
      ['unknown 48-byte objects', 'unknown'],
      ['.sessions map[string]*main.Session', 'map'],
      ['map[string]int', 'map'],
      ['.buf []uint8', 'slice'],
      ['[]uint8', 'slice'],
      ['[]struct { a int }', 'slice'],
      ['[key] string', 'string'],
      ['string', 'string'],
      ['[value] *main.Session', 'struct'],
      ['(iface) *main.Cache', 'struct'],
      ['[elem] main.Node', 'struct'],
      ['[4]uint64', 'struct'],
      ['.next *main.Node ×1000', 'struct'],
      ['.items []main.Item ×3', 'slice'],
      ['[3] unknown 16-byte objects', 'unknown'],
    ];
    for (const [label, kind] of cases) expect(goFrameKind(label), label).toBe(kind);
  });
});
