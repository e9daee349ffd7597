/**
 * The byte helpers every reader shares: little-endian u64 words, LEB128 / Go varints, NUL-terminated
 * strings and hex addresses. One copy each, so a bound on untrusted data is the same everywhere.
 */

/**
 * The little-endian u64 at `at` as a number. Exact below 2^53, which covers every file offset, size
 * and amd64 user-space address; the hot paths read words this way instead of through BigInt.
 */
export function u64(buf: Buffer, at: number): number {
  return buf.readUInt32LE(at) + buf.readUInt32LE(at + 4) * 0x1_0000_0000;
}

/** The result of a varint read: its value and the offset just past it (one object the caller reuses, so hot loops allocate nothing). */
export interface Varint {
  value: number;
  next: number;
}

/** Why a varint could not be read. */
export type VarintProblem = 'runs past the end' | 'is longer than 10 bytes' | 'is too large';

/** A 64-bit value takes at most ten 7-bit groups. */
const maxVarintBytes = 10;

/**
 * Decodes the unsigned LEB128 (Go's uvarint) at `at`, reading no further than `end`, into `out`.
 * Returns undefined when it did, else what is wrong: the value must fit a double exactly.
 */
export function readUvarint(buf: Uint8Array, at: number, out: Varint, end: number = buf.length): VarintProblem | undefined {
  let pos = at;
  let value = 0;
  let scale = 1;
  for (;;) {
    if (pos >= end) return 'runs past the end';
    const byte = buf[pos++]!;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) break;
    scale *= 128;
    if (pos - at >= maxVarintBytes) return 'is longer than 10 bytes';
  }
  if (value > Number.MAX_SAFE_INTEGER) return 'is too large';
  out.value = value;
  out.next = pos;
  return undefined;
}

/** Decodes the signed LEB128 at `at` like readUvarint. */
export function readSvarint(buf: Uint8Array, at: number, out: Varint, end: number = buf.length): VarintProblem | undefined {
  let pos = at;
  let value = 0;
  let scale = 1;
  let byte: number;
  do {
    if (pos >= end) return 'runs past the end';
    if (pos - at >= maxVarintBytes) return 'is longer than 10 bytes';
    byte = buf[pos++]!;
    value += (byte & 0x7f) * scale;
    scale *= 128;
  } while (byte >= 0x80);
  if (byte & 0x40) value -= scale;
  if (!Number.isSafeInteger(value)) return 'is too large';
  out.value = value;
  out.next = pos;
  return undefined;
}

/** A varint of up to 64 bits, exactly (DWARF constants such as arenaBaseOffset). */
export interface BigVarint {
  value: bigint;
  next: number;
}

/** Decodes the LEB128 at `at` as a 64-bit value, signed or not, like readUvarint. */
export function readVarintBig(buf: Uint8Array, at: number, signed: boolean, out: BigVarint, end: number = buf.length): VarintProblem | undefined {
  let pos = at;
  let value = 0n;
  let shift = 0n;
  let byte: number;
  do {
    if (pos >= end) return 'runs past the end';
    if (pos - at >= maxVarintBytes) return 'is longer than 10 bytes';
    byte = buf[pos++]!;
    value |= BigInt(byte & 0x7f) << shift;
    shift += 7n;
  } while (byte >= 0x80);
  if (signed && byte & 0x40) value -= 1n << shift;
  out.value = signed ? BigInt.asIntN(64, value) : BigInt.asUintN(64, value);
  out.next = pos;
  return undefined;
}

/** The NUL-terminated string at `at` (up to the end of `buf` when no NUL follows); '' past the end. */
export function cString(buf: Buffer, at: number, end: number = buf.length): string {
  if (at >= end) return '';
  const nul = buf.indexOf(0, at);
  return buf.toString('utf8', at, nul >= 0 && nul < end ? nul : end);
}

/** Text from a file, safe to print: bytes outside printable ASCII as `\xNN` (a damaged ID stays readable). */
export function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** An address or offset as Go and the tools print it: `0x4a1f20`. */
export function hex(n: number | bigint): string {
  return `0x${n.toString(16)}`;
}
