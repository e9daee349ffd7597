// A small DWARF assembler for tests: writes .debug_abbrev and .debug_info byte by byte, so forms
// that Go never emits (strx, addrx, data16, implicit_const, rnglistx, 64-bit DWARF…) and damaged
// data can be tested against values encoded by the standard's rules.
import type { SectionSource } from '../../src/dwarf/index.js';

export class Bytes {
  private readonly data: number[] = [];

  get length(): number {
    return this.data.length;
  }

  u8(...values: number[]): this {
    for (const v of values) this.data.push(v & 0xff);
    return this;
  }

  u16(v: number): this {
    return this.u8(v, v >> 8);
  }

  u24(v: number): this {
    return this.u8(v, v >> 8, v >> 16);
  }

  u32(v: number): this {
    return this.u8(v, v >>> 8, v >>> 16, v >>> 24);
  }

  u64(v: number | bigint): this {
    const big = BigInt.asUintN(64, BigInt(v));
    for (let i = 0n; i < 8n; i++) this.data.push(Number((big >> (8n * i)) & 0xffn));
    return this;
  }

  uleb(v: number | bigint): this {
    let big = BigInt(v);
    do {
      const byte = Number(big & 0x7fn);
      big >>= 7n;
      this.data.push(big === 0n ? byte : byte | 0x80);
    } while (big !== 0n);
    return this;
  }

  sleb(v: number | bigint): this {
    let big = BigInt(v);
    for (;;) {
      const byte = Number(big & 0x7fn);
      big >>= 7n;
      const done = (big === 0n && (byte & 0x40) === 0) || (big === -1n && (byte & 0x40) !== 0);
      this.data.push(done ? byte : byte | 0x80);
      if (done) return this;
    }
  }

  cstr(s: string): this {
    return this.bytes(Buffer.from(s + '\0', 'utf8'));
  }

  bytes(b: Uint8Array | number[] | Bytes): this {
    for (const v of b instanceof Bytes ? b.data : b) this.data.push(v);
    return this;
  }

  /** Overwrites a u32 at `at` (for lengths known only at the end). */
  patchU32(at: number, v: number): this {
    this.data[at] = v & 0xff;
    this.data[at + 1] = (v >>> 8) & 0xff;
    this.data[at + 2] = (v >>> 16) & 0xff;
    this.data[at + 3] = (v >>> 24) & 0xff;
    return this;
  }

  buffer(): Buffer {
    return Buffer.from(this.data);
  }
}

export interface AbbrevSpec {
  code: number;
  tag: number;
  children: boolean;
  /** [attribute, form] or [attribute, DW_FORM_implicit_const, value]. */
  attrs: ([number, number] | [number, number, number])[];
}

export function abbrevTable(specs: AbbrevSpec[]): Bytes {
  const b = new Bytes();
  for (const s of specs) {
    b.uleb(s.code).uleb(s.tag).u8(s.children ? 1 : 0);
    for (const [at, form, implicit] of s.attrs) {
      b.uleb(at).uleb(form);
      if (implicit !== undefined) b.sleb(implicit);
    }
    b.u8(0, 0);
  }
  return b.u8(0);
}

export interface UnitSpec {
  version: 2 | 3 | 4 | 5;
  /** 64-bit DWARF (offsets are 8 bytes). */
  dwarf64?: boolean;
  abbrevOffset?: number;
  addrSize?: number;
  /** The DIEs after the header, already encoded. */
  body: Bytes;
}

/** A compile unit: header, then `body`. Returns the bytes and where the first DIE starts. */
export function unit(spec: UnitSpec): Bytes {
  const header = new Bytes();
  const offsetSize = spec.dwarf64 ? 8 : 4;
  const offset = (b: Bytes, v: number): Bytes => (offsetSize === 8 ? b.u64(v) : b.u32(v));
  const rest = new Bytes().u16(spec.version);
  if (spec.version === 5) {
    rest.u8(1, spec.addrSize ?? 8);
    offset(rest, spec.abbrevOffset ?? 0);
  } else {
    offset(rest, spec.abbrevOffset ?? 0);
    rest.u8(spec.addrSize ?? 8);
  }
  rest.bytes(spec.body);
  if (spec.dwarf64) header.u32(0xffffffff).u64(rest.length);
  else header.u32(rest.length);
  return header.bytes(rest);
}

/** Size of a unit header before its first DIE. */
export function unitHeaderSize(version: number, dwarf64 = false): number {
  const lengthField = dwarf64 ? 12 : 4;
  const offsetSize = dwarf64 ? 8 : 4;
  return lengthField + 2 + (version === 5 ? 2 : 1) + offsetSize;
}

export function sourceOf(sections: Record<string, Buffer | Bytes>): SectionSource {
  return (name) => {
    const s = sections[name];
    return s instanceof Bytes ? s.buffer() : s;
  };
}
