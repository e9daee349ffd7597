/**
 * The little-endian u64 at `at` as a number. Exact below 2^53, which covers every file offset, size
 * and amd64 user-space address; the hot paths read words this way instead of through BigInt.
 */
export function u64(buf: Buffer, at: number): number {
  return buf.readUInt32LE(at) + buf.readUInt32LE(at + 4) * 0x1_0000_0000;
}
