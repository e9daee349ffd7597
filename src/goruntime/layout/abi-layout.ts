import { goStruct } from './go-struct.js';
import { atLeast, type GoVersion } from '../binary/version.js';

/** internal/abi.Kind */
export const Kind = {
  Invalid: 0, Bool: 1, Int: 2, Int8: 3, Int16: 4, Int32: 5, Int64: 6, Uint: 7, Uint8: 8, Uint16: 9, Uint32: 10,
  Uint64: 11, Uintptr: 12, Float32: 13, Float64: 14, Complex64: 15, Complex128: 16, Array: 17, Chan: 18, Func: 19,
  Interface: 20, Map: 21, Pointer: 22, Slice: 23, String: 24, Struct: 25, UnsafePointer: 26,
} as const;

export const kindNames = [
  'invalid', 'bool', 'int', 'int8', 'int16', 'int32', 'int64', 'uint', 'uint8', 'uint16', 'uint32', 'uint64',
  'uintptr', 'float32', 'float64', 'complex64', 'complex128', 'array', 'chan', 'func', 'interface', 'map', 'ptr',
  'slice', 'string', 'struct', 'unsafe.Pointer',
];

/** internal/abi.TFlag bits. 0x10 is UnrolledBitmap up to 1.23 and GCMaskOnDemand from 1.24. */
export const TFlag = {
  Uncommon: 0x1, ExtraStar: 0x2, Named: 0x4, RegularMemory: 0x8, UnrolledBitmap: 0x10, GCMaskOnDemand: 0x10, DirectIface: 0x20,
} as const;

/**
 * Layouts of internal/abi's type descriptors (linux/amd64), as field lists copied from
 * internal/abi/type.go and map.go of each release. Exported so tests can check them against DWARF.
 */
export const abiType = goStruct([
  ['Size_', 'uintptr'], ['PtrBytes', 'uintptr'], ['Hash', 'u32'], ['TFlag', 'u8'], ['Align_', 'u8'],
  ['FieldAlign_', 'u8'], ['Kind_', 'u8'], ['Equal', 'ptr'], ['GCData', 'ptr'], ['Str', 'i32'], ['PtrToThis', 'i32'],
]);

export const uncommonType = goStruct([['PkgPath', 'i32'], ['Mcount', 'u16'], ['Xcount', 'u16'], ['Moff', 'u32'], ['_', 'u32']]);
/** abi.Method {Name NameOff; Mtyp TypeOff; Ifn, Tfn TextOff} */
export const methodSize = 16;
/** abi.Imethod {Name NameOff; Typ TypeOff} */
export const imethodSize = 8;
/** abi.StructField {Name Name; Typ *Type; Offset uintptr} */
export const structField = goStruct([['Name', 'ptr'], ['Typ', 'ptr'], ['Offset', 'uintptr']]);

export const arrayType = goStruct([['Type', 'abiType'], ['Elem', 'ptr'], ['Slice', 'ptr'], ['Len', 'uintptr']]);
export const chanType = goStruct([['Type', 'abiType'], ['Elem', 'ptr'], ['Dir', 'int']]);
export const funcType = goStruct([['Type', 'abiType'], ['InCount', 'u16'], ['OutCount', 'u16']]);
export const interfaceType = goStruct([['Type', 'abiType'], ['PkgPath', 'ptr'], ['Methods', 'slice']]);
export const ptrType = goStruct([['Type', 'abiType'], ['Elem', 'ptr']]);
export const sliceType = ptrType;
export const structType = goStruct([['Type', 'abiType'], ['PkgPath', 'ptr'], ['Fields', 'slice']]);

const mapHead = [['Type', 'abiType'], ['Key', 'ptr'], ['Elem', 'ptr']] as const;
/** Swiss-table maps, Go 1.24–1.26 (abi.SwissMapType, renamed abi.MapType in 1.26). */
export const swissMapType124 = goStruct([
  ...mapHead, ['Group', 'ptr'], ['Hasher', 'ptr'], ['GroupSize', 'uintptr'], ['SlotSize', 'uintptr'],
  ['ElemOff', 'uintptr'], ['Flags', 'u32'],
]);
/** Go 1.27 abi.MapType: key/elem addressing that covers both group layouts (mapsplitgroup or not). */
export const swissMapType127 = goStruct([
  ...mapHead, ['Group', 'ptr'], ['Hasher', 'ptr'], ['GroupSize', 'uintptr'], ['KeysOff', 'uintptr'],
  ['KeyStride', 'uintptr'], ['ElemsOff', 'uintptr'], ['ElemStride', 'uintptr'], ['ElemOff', 'uintptr'], ['Flags', 'u32'],
]);
/** Bucket-based maps: abi.MapType up to 1.23, abi.OldMapType with GOEXPERIMENT=noswissmap in 1.24–1.25. */
export const classicMapType = goStruct([
  ...mapHead, ['Bucket', 'ptr'], ['Hasher', 'ptr'], ['KeySize', 'u8'], ['ValueSize', 'u8'], ['BucketSize', 'u16'],
  ['Flags', 'u32'],
]);

/** abi.ITab {Inter *InterfaceType; Type *Type; Hash uint32; Fun [1]uintptr} */
export const itabLayout = goStruct([['Inter', 'ptr'], ['Type', 'ptr'], ['Hash', 'u32'], ['Fun', 'uintptr']]);

export type MapLayoutKind = 'swiss124' | 'swiss127' | 'classic';

/** One of the map descriptor layouts: Type, Key, Elem, Hasher and Flags are in every one. */
export type MapTypeLayout = typeof swissMapType124 | typeof swissMapType127 | typeof classicMapType;

export function mapTypeLayout(kind: MapLayoutKind): MapTypeLayout {
  return kind === 'swiss127' ? swissMapType127 : kind === 'swiss124' ? swissMapType124 : classicMapType;
}

/** Which map descriptor a binary uses: its release and whether the swiss-map experiment was on. */
export function mapLayoutKind(version: GoVersion, swissMaps: boolean): MapLayoutKind {
  if (!swissMaps) return 'classic';
  return atLeast(version, 1, 27) ? 'swiss127' : 'swiss124';
}
