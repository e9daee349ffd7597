import type { AddressSpace } from '../../core/address-space.js';
import { u64 } from '../../util/bytes.js';

/**
 * Offsets of a Go struct on linux/amd64 from its field list, computed the way the compiler lays it
 * out (natural alignment, size rounded up to the alignment). Per-version layout tables are written as
 * the struct's field list copied from that release's source, which is easy to review against it.
 */
export type GoFieldType = 'ptr' | 'uintptr' | 'int' | 'u8' | 'bool' | 'u16' | 'u32' | 'i32' | 'slice' | 'string' | 'bitvector' | 'abiType';

const shapes: Record<GoFieldType, { size: number; align: number }> = {
  ptr: { size: 8, align: 8 },
  uintptr: { size: 8, align: 8 },
  int: { size: 8, align: 8 },
  u8: { size: 1, align: 1 },
  bool: { size: 1, align: 1 },
  u16: { size: 2, align: 2 },
  u32: { size: 4, align: 4 },
  i32: { size: 4, align: 4 },
  slice: { size: 24, align: 8 },
  string: { size: 16, align: 8 },
  /** runtime.bitvector {n int32; bytedata *uint8} */
  bitvector: { size: 16, align: 8 },
  /** internal/abi.Type, embedded first in every kind-specific type descriptor */
  abiType: { size: 48, align: 8 },
};

export interface GoStructLayout<F extends string> {
  offsets: Record<F, number>;
  types: Record<F, GoFieldType>;
  size: number;
}

export function goStruct<F extends string>(fields: ReadonlyArray<readonly [F, GoFieldType]>): GoStructLayout<F> {
  const offsets = {} as Record<F, number>;
  const types = {} as Record<F, GoFieldType>;
  let offset = 0;
  let maxAlign = 1;
  for (const [name, type] of fields) {
    const { size, align } = shapes[type];
    offset = Math.ceil(offset / align) * align;
    offsets[name] = offset;
    types[name] = type;
    offset += size;
    maxAlign = Math.max(maxAlign, align);
  }
  return { offsets, types, size: Math.ceil(offset / maxAlign) * maxAlign };
}

/** A Go slice header read from memory. */
export interface GoSlice {
  ptr: number;
  len: number;
  cap: number;
}

/** A slice header: pointer, length, capacity. */
export const sliceHeaderSize = 24;

/** The slice header at `at` in a buffer. */
export function sliceAt(buf: Buffer, at: number): GoSlice {
  return { ptr: u64(buf, at), len: u64(buf, at + 8), cap: u64(buf, at + 16) };
}

/** The slice header at `addr` in memory (throws MemoryFault where it is not mapped). */
export function readSliceHeader(mem: AddressSpace, addr: number): GoSlice {
  return sliceAt(mem.read(addr, sliceHeaderSize), 0);
}
