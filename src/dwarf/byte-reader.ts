import { UserError } from '../errors.js';
import { type BigVarint, hex, readSvarint, readUvarint, readVarintBig, type Varint } from '../util/bytes.js';

/** The error for DWARF that cannot be what a compiler wrote: where it is and what is wrong. */
export function malformed(section: string, offset: number, what: string): UserError {
  return new UserError(
    'badInputData',
    `The executable's DWARF is damaged (${section} at ${hex(offset)}: ${what}); ` +
      'rebuild the executable, or give one built with -ldflags=-w so the tables are used instead.',
  );
}

const TWO_32 = 0x1_0000_0000;
/** Where LEB128 reads put their result (reads are synchronous: one is enough). */
const leb: Varint = { value: 0, next: 0 };

/**
 * A bounds-checked little-endian cursor over one DWARF section. Every read checks `end`, so a
 * length or offset taken from the file can never read past the section or loop on garbage.
 */
export class ByteReader {
  pos: number;
  end: number;

  constructor(
    readonly buf: Buffer,
    readonly section: string,
    pos = 0,
    end = buf.length,
  ) {
    this.pos = pos;
    this.end = Math.min(end, buf.length);
  }

  fail(what: string, at = this.pos): UserError {
    return malformed(this.section, at, what);
  }

  /** Moves to `pos`, which must lie inside [0, end]. */
  seek(pos: number): void {
    if (!(pos >= 0 && pos <= this.end)) throw this.fail(`offset ${hex(pos)} is outside the section`);
    this.pos = pos;
  }

  private need(n: number): number {
    const at = this.pos;
    if (at + n > this.end) throw this.fail(`needs ${n} more bytes, the data ends at ${hex(this.end)}`);
    this.pos = at + n;
    return at;
  }

  u8(): number {
    return this.buf[this.need(1)]!;
  }

  u16(): number {
    const at = this.need(2);
    return this.buf[at]! | (this.buf[at + 1]! << 8);
  }

  u24(): number {
    const at = this.need(3);
    return this.buf[at]! | (this.buf[at + 1]! << 8) | (this.buf[at + 2]! << 16);
  }

  u32(): number {
    const at = this.need(4);
    return this.buf.readUInt32LE(at);
  }

  /** A u64 that must fit a double exactly (offsets, lengths, amd64 addresses). */
  u64(): number {
    const at = this.need(8);
    const hi = this.buf.readUInt32LE(at + 4);
    if (hi >= 0x20_0000) throw this.fail(`value ${hex(this.buf.readBigUInt64LE(at))} is too large`, at);
    return this.buf.readUInt32LE(at) + hi * TWO_32;
  }

  /** A target address of `size` bytes (4 or 8), or -1 for the all-ones value that marks base-address entries. */
  addressOrAllOnes(size: number): number {
    const at = this.pos;
    const lo = this.u32();
    const hi = size === 8 ? this.u32() : size === 4 ? 0 : -1;
    if (hi < 0) throw this.fail(`address size ${size} is not 4 or 8`, at);
    if (lo === 0xffffffff && (size === 4 || hi === 0xffffffff)) return -1;
    if (hi >= 0x20_0000) throw this.fail('address is too large', at);
    return lo + hi * TWO_32;
  }

  /** A u64 read in full, for constants. */
  u64Big(): bigint {
    return this.buf.readBigUInt64LE(this.need(8));
  }

  /** An unsigned integer of `size` bytes (1, 2, 4 or 8). */
  uint(size: number): number {
    switch (size) {
      case 1:
        return this.u8();
      case 2:
        return this.u16();
      case 4:
        return this.u32();
      case 8:
        return this.u64();
      default:
        throw this.fail(`unsupported integer size ${size}`);
    }
  }

  /** An unsigned LEB128 that must fit a double exactly. */
  uleb(): number {
    const problem = readUvarint(this.buf, this.pos, leb, this.end);
    if (problem) throw this.fail(`an unsigned LEB128 ${problem}`, this.pos);
    this.pos = leb.next;
    return leb.value;
  }

  /** A signed LEB128 that must fit a double exactly. */
  sleb(): number {
    const problem = readSvarint(this.buf, this.pos, leb, this.end);
    if (problem) throw this.fail(`a signed LEB128 ${problem}`, this.pos);
    this.pos = leb.next;
    return leb.value;
  }

  /** A signed LEB128 of any length up to 64 bits, exactly. */
  slebBig(): bigint {
    return this.lebBig(true);
  }

  /** An unsigned LEB128 of any length up to 64 bits, exactly. */
  ulebBig(): bigint {
    return this.lebBig(false);
  }

  private lebBig(signed: boolean): bigint {
    const out: BigVarint = { value: 0n, next: 0 };
    const problem = readVarintBig(this.buf, this.pos, signed, out, this.end);
    if (problem) throw this.fail(`${signed ? 'a signed' : 'an unsigned'} LEB128 ${problem}`, this.pos);
    this.pos = out.next;
    return out.value;
  }

  skipLeb(): void {
    const buf = this.buf;
    let pos = this.pos;
    while (pos < this.end && buf[pos]! >= 0x80) pos++;
    if (pos >= this.end) throw this.fail('a LEB128 runs past the end');
    this.pos = pos + 1;
  }

  skip(n: number): void {
    this.need(n);
  }

  /** The bytes of a NUL-terminated string, excluding the NUL. */
  cstring(): string {
    const start = this.pos;
    const nul = this.buf.indexOf(0, start);
    if (nul < 0 || nul >= this.end) throw this.fail('a string has no terminating NUL', start);
    this.pos = nul + 1;
    return this.buf.toString('utf8', start, nul);
  }

  skipCString(): void {
    const nul = this.buf.indexOf(0, this.pos);
    if (nul < 0 || nul >= this.end) throw this.fail('a string has no terminating NUL');
    this.pos = nul + 1;
  }

  /** `n` bytes as a view into the section (no copy). */
  bytes(n: number): Buffer {
    const at = this.need(n);
    return this.buf.subarray(at, at + n);
  }
}

/** The NUL-terminated string at `offset` of a string section (.debug_str, .debug_line_str). */
export function stringAt(section: Buffer, name: string, offset: number): string {
  if (!(offset >= 0 && offset < section.length)) throw malformed(name, offset, 'string offset is outside the section');
  const nul = section.indexOf(0, offset);
  if (nul < 0) throw malformed(name, offset, 'a string has no terminating NUL');
  return section.toString('utf8', offset, nul);
}
