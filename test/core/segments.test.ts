import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryFault } from '../../src/core/address-space.js';
import { SegmentedImage } from '../../src/core/segmented-image.js';
import { type MemorySource, type Segment, overlay, sortedLayer } from '../../src/core/segments.js';
import { PositionedFile } from '../../src/util/positioned-file.js';
import { makeWorkDir, removeWorkDir } from './harness.js';

function seg(start: number, end: number, source: MemorySource, fileOffset = 0): Segment {
  return { start, end, perms: 'r--', source, fileOffset };
}

const brief = (segments: Segment[]) => segments.map((s) => [s.start, s.end, s.source, s.fileOffset]);

describe('overlay', () => {
  it('lets the upper layer win and keeps what shows of the lower one, file offsets moved along', () => {
    const lower = [seg(0, 100, 'executable', 1000), seg(200, 300, 'executable', 2000)];
    const upper = [seg(10, 20, 'core', 0), seg(50, 250, 'core', 500), seg(290, 400, 'zero')];
    expect(brief(overlay(lower, upper))).toEqual([
      [0, 10, 'executable', 1000],
      [10, 20, 'core', 0],
      [20, 50, 'executable', 1020],
      [50, 250, 'core', 500],
      [250, 290, 'executable', 2050],
      [290, 400, 'zero', 0],
    ]);
  });

  it('sortedLayer drops empty segments and trims overlaps', () => {
    expect(brief(sortedLayer([seg(50, 80, 'core', 7), seg(0, 60, 'zero'), seg(5, 5, 'core')]))).toEqual([
      [0, 60, 'zero', 0],
      [60, 80, 'core', 17],
    ]);
  });
});

describe('SegmentedImage and PositionedFile', () => {
  let dir: string;
  let bytes: Buffer;
  let file: PositionedFile;
  beforeAll(() => {
    dir = makeWorkDir();
    bytes = randomBytes(40 << 20); // more than the page cache holds, so pages are evicted and reloaded
    writeFileSync(join(dir, 'data'), bytes);
    file = PositionedFile.open(join(dir, 'data'));
  });
  afterAll(() => {
    file.close();
    removeWorkDir(dir);
  });

  it('reads random ranges of a file larger than its cache exactly', () => {
    expect(file.size).toBe(bytes.length);
    let seed = 1;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let i = 0; i < 3000; i++) {
      const length = next() % (i % 10 === 0 ? 300_000 : 200);
      const offset = next() % (bytes.length - length);
      expect(file.read(offset, length).equals(bytes.subarray(offset, offset + length))).toBe(true);
    }
    expect(file.u32(65534)).toBe(bytes.readUInt32LE(65534)); // across a page boundary
    expect(() => file.read(bytes.length - 4, 8)).toThrow(RangeError);
  });

  it('reads words and ranges across segments of different sources', () => {
    const base = 0x7f00_0000_0000;
    const image = new SegmentedImage([
      { ...seg(base, base + 4096, 'core', 100), file },
      seg(base + 4096, base + 8192, 'zero'),
      { ...seg(base + 8192, base + 12288, 'executable', 1 << 20), file },
      seg(base + 12288, base + 16384, 'missing'),
    ]);
    expect(image.read(base + 4090, 12).equals(Buffer.concat([bytes.subarray(4190, 4196), Buffer.alloc(6)]))).toBe(true);
    expect(image.read(base + 8188, 8).equals(Buffer.concat([Buffer.alloc(4), bytes.subarray(1 << 20, (1 << 20) + 4)]))).toBe(true);
    const lo = bytes.readUInt32LE(104);
    const hi = bytes.readUInt32LE(108);
    expect(image.readU64(base + 4)).toBe(lo + hi * 2 ** 32);
    expect(image.readI64(base + 4)).toBe(lo + (hi | 0) * 2 ** 32);
    expect(image.readU64(base + 4092)).toBe(bytes.readUInt32LE(4192)); // straddles core and zero
    expect(image.readU32(base + 5000)).toBe(0);
    expect(image.isMapped(base, 12288)).toBe(true);
    expect(image.isMapped(base + 12280, 16)).toBe(false);
    // Words read from a core can be any 64-bit value: beyond 2^53, addr + 8 === addr in a double.
    expect(image.isMapped(0xb509881f0cd9f000, 8)).toBe(false);
    expect(image.isMapped(2 ** 64 - 8, 8)).toBe(false);
    expect(() => image.read(base + 12280, 16)).toThrow(MemoryFault);
    expect(() => image.readU8(base - 1)).toThrow(MemoryFault);
    expect(image.segmentAt(base + 12300)!.source).toBe('missing');
    expect(image.bytesBySource()).toEqual({ core: 4096, zero: 4096, executable: 4096, file: 0, missing: 4096 });
  });
});
