/**
 * A synthetic Go process for typing tests, without a toolchain or a core: a fake address space that
 * holds type descriptors (abi.Type, the same since Go 1.21, with its struct, pointer, array and
 * bucket-map extensions, abi.Name, GC masks; Kind_ without flag bits) in a moduledata-like
 * [types, etypes) range, and one-page spans of small objects with the heap bits the runtime writes
 * for them (runtime.writeHeapBitsSmall: the type's mask repeated over the bytes allocated, at the
 * end of the span, before Green Tea's inline mark bits).
 */
import { type AddressSpace, MemoryFault } from '../../src/core/address-space.js';
import { abiType, arrayType, classicMapType, Kind, ptrType, structField, structType } from '../../src/goruntime/layout/abi-layout.js';
import type { Moduledata } from '../../src/goruntime/binary/moduledata.js';
import { RuntimeTypes } from '../../src/goruntime/binary/runtime-types.js';
import { PointerSlots } from '../../src/goruntime/binary/pointer-slots.js';
import type { SpanTable } from '../../src/goruntime/heap/spans.js';
import { HeapObjects } from '../../src/goruntime/heap/heap-objects.js';
import { ObjectShapes } from '../../src/goruntime/heap/object-shapes.js';
import { WordBits } from '../../src/goruntime/heap/word-bits.js';
import { HeapTyping, Role } from '../../src/goruntime/typing/heap-typing.js';
import { InterfaceWords } from '../../src/goruntime/typing/interface-words.js';
import { ContainerHeaders } from '../../src/goruntime/typing/container-headers.js';
import { ShapeInference } from '../../src/goruntime/typing/shape-inference.js';
import { containerLayout } from '../../src/goruntime/layout/container-layout.js';
import { tableLayout } from '../../src/goruntime/layout/runtime-layout.js';

export const TYPES = 0x4a0000;
export const TEXT = 0x401000;
/** Where the Go heap arena starts on linux/amd64. */
export const HEAP = 0xc000000000;
export const PAGE = 8192;

/** Little-endian memory made of buffers mapped at chosen addresses. */
export class FakeMemory implements AddressSpace {
  private readonly regions: Array<{ start: number; bytes: Buffer }> = [];

  /** Maps bytes at start, replacing what was mapped there before (a test may rebuild its heap). */
  map(start: number, bytes: Buffer): Buffer {
    const old = this.regions.findIndex((r) => r.start === start);
    if (old >= 0) this.regions.splice(old, 1);
    this.regions.push({ start, bytes });
    return bytes;
  }

  private region(addr: number, length: number) {
    return this.regions.find((r) => addr >= r.start && addr + length <= r.start + r.bytes.length);
  }

  read(addr: number, length: number): Buffer {
    const r = this.region(addr, length);
    if (!r) throw new MemoryFault(addr, length);
    return Buffer.from(r.bytes.subarray(addr - r.start, addr - r.start + length));
  }
  readInto(addr: number, target: Buffer, length: number): void {
    this.read(addr, length).copy(target);
  }
  isMapped(addr: number, length = 1): boolean {
    return this.region(addr, length) !== undefined;
  }
  readU8(addr: number): number { return this.read(addr, 1).readUInt8(0); }
  readU16(addr: number): number { return this.read(addr, 2).readUInt16LE(0); }
  readU32(addr: number): number { return this.read(addr, 4).readUInt32LE(0); }
  readU64(addr: number): number { return Number(this.read(addr, 8).readBigUInt64LE(0)); }
  readI64(addr: number): number { return Number(this.read(addr, 8).readBigInt64LE(0)); }
  readPtr(addr: number): number { return this.readU64(addr); }
}

const putU64 = (buf: Buffer, at: number, v: number) => buf.writeBigUInt64LE(BigInt(v), at);

/** A type descriptor written to the fake memory, with what the test itself knows of it. */
export interface TypeDesc {
  addr: number;
  string: string;
  size: number;
  /** Words of one value that hold pointers. */
  ptrWords: number[];
}

export interface TypeDescriptorSpec {
  size: number;
  ptrBytes: number;
  /** GCData bytes: one bit per word of the first ptrBytes, LSB first. */
  gcmask: number[];
  kind: number;
  name: string;
  /** Pointer and array types. */
  elem?: TypeDesc;
  /** Array types. */
  len?: number;
  /** Map types (the bucket-map descriptor): key and elem types, and the bucket type. */
  map?: { key: TypeDesc; elem: TypeDesc; bucket: TypeDesc };
  /** Struct types: name, type, offset. */
  fields?: Array<{ name: string; type: TypeDesc; offset: number }>;
}

/** Type descriptors, names and masks laid out in [TYPES, TYPES + 64 KiB), as a module's type data. */
export class TypeArena {
  readonly bytes = Buffer.alloc(0x10000);
  private next = 16; // NameOff 0 means "no name"

  constructor(mem: FakeMemory) {
    mem.map(TYPES, this.bytes);
  }

  private alloc(n: number): number {
    const at = this.next;
    this.next = Math.ceil((at + n) / 8) * 8;
    if (this.next > this.bytes.length) throw new Error('type arena full');
    return TYPES + at;
  }

  /** An abi.Name: flags (1 = exported), uvarint length (< 128 here), bytes. */
  private abiName(s: string, exported = false): number {
    const text = Buffer.from(s, 'utf8');
    if (text.length >= 128) throw new Error('name too long for a one-byte varint');
    const addr = this.alloc(2 + text.length);
    const at = addr - TYPES;
    this.bytes[at] = exported ? 1 : 0;
    this.bytes[at + 1] = text.length;
    text.copy(this.bytes, at + 2);
    return addr;
  }

  /** An abi.Type (Kind_ holds the bare kind), extended as a StructType, PtrType, ArrayType or bucket MapType. */
  typeDescriptor(spec: TypeDescriptorSpec): TypeDesc {
    // abi.SliceType is laid out as abi.PtrType: the Type, then Elem.
    const extensions: Partial<Record<number, number>> = { [Kind.Struct]: structType.size, [Kind.Pointer]: ptrType.size, [Kind.Slice]: ptrType.size, [Kind.Array]: arrayType.size, [Kind.Map]: classicMapType.size };
    const extSize = extensions[spec.kind] ?? abiType.size;
    const addr = this.alloc(extSize);
    const gcdata = spec.gcmask.length ? this.alloc(spec.gcmask.length) : 0;
    if (gcdata) Buffer.from(spec.gcmask).copy(this.bytes, gcdata - TYPES);
    const str = this.abiName(spec.name) - TYPES;
    const b = this.bytes;
    const at = addr - TYPES;
    const o = abiType.offsets;
    putU64(b, at + o.Size_, spec.size);
    putU64(b, at + o.PtrBytes, spec.ptrBytes);
    b.writeUInt32LE(0, at + o.Hash);
    b[at + o.TFlag] = 0;
    b[at + o.Align_] = 8;
    b[at + o.FieldAlign_] = 8;
    b[at + o.Kind_] = spec.kind;
    putU64(b, at + o.GCData, gcdata);
    b.writeInt32LE(str, at + o.Str);
    b.writeInt32LE(0, at + o.PtrToThis);
    if (spec.elem) putU64(b, at + ptrType.offsets.Elem, spec.elem.addr);
    if (spec.len !== undefined) putU64(b, at + arrayType.offsets.Len, spec.len);
    if (spec.map) {
      const m = classicMapType.offsets;
      putU64(b, at + m.Key, spec.map.key.addr);
      putU64(b, at + m.Elem, spec.map.elem.addr);
      putU64(b, at + m.Bucket, spec.map.bucket.addr);
      b[at + m.KeySize] = spec.map.key.size;
      b[at + m.ValueSize] = spec.map.elem.size;
      b.writeUInt16LE(spec.map.bucket.size, at + m.BucketSize);
    }
    if (spec.fields) {
      const fields = this.alloc(spec.fields.length * structField.size);
      spec.fields.forEach((f, i) => {
        const fat = fields - TYPES + i * structField.size;
        putU64(b, fat + structField.offsets.Name, this.abiName(f.name, /^[A-Z]/.test(f.name)));
        putU64(b, fat + structField.offsets.Typ, f.type.addr);
        putU64(b, fat + structField.offsets.Offset, f.offset);
      });
      putU64(b, at + structType.offsets.PkgPath, this.abiName('main'));
      putU64(b, at + structType.offsets.Fields, fields);
      putU64(b, at + structType.offsets.Fields + 8, spec.fields.length);
      putU64(b, at + structType.offsets.Fields + 16, spec.fields.length);
    }
    const words = spec.ptrBytes / 8;
    const ptrWords = [...Array(words).keys()].filter((w) => ((spec.gcmask[w >> 3] ?? 0) >> (w & 7)) & 1);
    return { addr, string: spec.name, size: spec.size, ptrWords };
  }

  /** `int`: 8 bytes, no pointers. */
  readonly int = (): TypeDesc => this.typeDescriptor({ size: 8, ptrBytes: 0, gcmask: [], kind: Kind.Int, name: 'int' });

  /** `unsafe.Pointer`. */
  readonly unsafePointer = (): TypeDesc => this.typeDescriptor({ size: 8, ptrBytes: 8, gcmask: [1], kind: Kind.UnsafePointer, name: 'unsafe.Pointer' });

  /** `[len]elem`. */
  array(elem: TypeDesc, len: number): TypeDesc {
    const ptrWords = [...Array(len).keys()].flatMap((i) => elem.ptrWords.map((w) => (i * elem.size) / 8 + w));
    return this.typeDescriptor({ size: len * elem.size, ...maskOf(ptrWords), kind: Kind.Array, name: `[${len}]${elem.string}`, elem, len });
  }

  /**
   * `map[key]elem` as a bucket map (Go ≤ 1.23, or noswissmap), and its bucket as the compiler makes
   * it: tophash, 8 keys, 8 elems, then the overflow link, an unsafe.Pointer (a uintptr when neither
   * key nor elem has pointers, so that the bucket has none).
   */
  bucketMap(key: TypeDesc, elem: TypeDesc): { map: TypeDesc; bucket: TypeDesc } {
    const uint8 = this.typeDescriptor({ size: 1, ptrBytes: 0, gcmask: [], kind: Kind.Uint8, name: 'uint8' });
    const pointerFree = key.ptrWords.length === 0 && elem.ptrWords.length === 0;
    const overflow = pointerFree ? this.typeDescriptor({ size: 8, ptrBytes: 0, gcmask: [], kind: Kind.Uintptr, name: 'uintptr' }) : this.unsafePointer();
    const name = `[${key.string}]${elem.string}`;
    const bucket = this.struct(`map.bucket${name}`, [['topbits', this.array(uint8, 8)], ['keys', this.array(key, 8)], ['elems', this.array(elem, 8)], ['overflow', overflow]]);
    const map = this.typeDescriptor({ size: 8, ptrBytes: 8, gcmask: [1], kind: Kind.Map, name: `map${name}`, map: { key, elem, bucket } });
    return { map, bucket };
  }

  /** `*elem`. */
  pointerTo(elem: TypeDesc): TypeDesc {
    return this.typeDescriptor({ size: 8, ptrBytes: 8, gcmask: [1], kind: Kind.Pointer, name: `*${elem.string}`, elem });
  }

  /** `[]elem`: data pointer, length, capacity. */
  sliceOf(elem: TypeDesc): TypeDesc {
    return this.typeDescriptor({ size: 24, ptrBytes: 8, gcmask: [1], kind: Kind.Slice, name: `[]${elem.string}`, elem });
  }

  /** A struct of 8-byte-aligned fields laid out in order; size, PtrBytes and mask follow from them. */
  struct(name: string, fields: Array<[string, TypeDesc]>): TypeDesc {
    let offset = 0;
    const placed = fields.map(([fieldName, type]) => {
      const f = { name: fieldName, type, offset };
      offset += type.size;
      return f;
    });
    const ptrWords = placed.flatMap((f) => f.type.ptrWords.map((w) => f.offset / 8 + w));
    return this.typeDescriptor({ size: offset, ...maskOf(ptrWords), kind: Kind.Struct, name, fields: placed });
  }

  get end(): number {
    return TYPES + this.next;
  }
}

/** PtrBytes and the GC mask of a type whose pointers are in these words. */
function maskOf(ptrWords: number[]): { ptrBytes: number; gcmask: number[] } {
  const ptrBytes = ptrWords.length ? (Math.max(...ptrWords) + 1) * 8 : 0;
  const gcmask = new Array<number>(Math.ceil(ptrBytes / 64)).fill(0);
  for (const w of ptrWords) gcmask[w >> 3]! |= 1 << (w & 7);
  return { ptrBytes, gcmask };
}

/** One heap object: `count` values of `type` allocated together, and its words (the rest zero). */
export interface ObjectSpec {
  type: TypeDesc;
  count?: number;
  words?: number[];
}

/** A one-page span of `elemSize` slots; objects[i] is in slot i (undefined: a free slot). */
export interface SpanSpec {
  start: number;
  elemSize: number;
  /** A noscan span (spanclass low bit): its objects have no pointers and no heap bits. */
  noscan?: boolean;
  objects: Array<ObjectSpec | undefined>;
}

export const span = (spec: SpanSpec): SpanSpec => spec;
export const object = (type: TypeDesc, words: number[] = [], count = 1): ObjectSpec => ({ type, words, count });
/** The address of slot i of a span. */
export const slotAddr = (s: Pick<SpanSpec, 'start' | 'elemSize'>, i: number): number => s.start + i * s.elemSize;

/** Size classes up to 512 bytes (internal/runtime/gc/sizeclasses.go); class i+1 holds classSizes[i]. */
const classSizes = [8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256, 288, 320, 352, 384, 416, 448, 480, 512];
/** Green Tea (Go 1.26 default) keeps 128 bytes of inline mark bits at the very end of spans of objects ≥ 16 bytes. */
const inlineMarkBits = 128;

/** Where the runtime keeps a one-page span's heap bits (one bit per word of the span). */
function heapBitsAt(elemSize: number, greenTea: boolean): number {
  return PAGE - PAGE / 8 / 8 - (greenTea && elemSize >= 16 ? inlineMarkBits : 0);
}

/** Writes the spans' memory and heap bits; returns the span table readSpans would have built. */
export function writeSpans(mem: FakeMemory, specs: SpanSpec[], greenTea: boolean): SpanTable {
  const sorted = [...specs].sort((a, b) => a.start - b.start);
  const n = sorted.length;
  const table = {
    count: n,
    start: new Float64Array(n),
    npages: new Uint32Array(n).fill(1),
    elemSize: new Float64Array(n),
    nelems: new Uint32Array(n),
    spanClass: new Uint8Array(n),
    largeType: new Float64Array(n),
    specials: new Float64Array(n),
    slotBase: new Uint32Array(n + 1),
    allocated: new Uint8Array(0),
    warnings: [] as string[],
  };
  const allocated: number[] = [];
  sorted.forEach((s, i) => {
    const sizeClass = classSizes.indexOf(s.elemSize) + 1;
    if (sizeClass === 0) throw new Error(`${s.elemSize} is not a small size class ≤ 512`);
    const bitsAt = heapBitsAt(s.elemSize, greenTea);
    const nelems = Math.floor((s.noscan ? PAGE : bitsAt) / s.elemSize);
    if (s.objects.length > nelems) throw new Error('more objects than slots');
    const mem8 = mem.map(s.start, Buffer.alloc(PAGE));
    table.start[i] = s.start;
    table.elemSize[i] = s.elemSize;
    table.nelems[i] = nelems;
    table.spanClass[i] = (sizeClass << 1) | (s.noscan ? 1 : 0);
    table.slotBase[i + 1] = table.slotBase[i]! + nelems;
    for (let slot = 0; slot < nelems; slot++) {
      const o = s.objects[slot];
      allocated.push(o ? 1 : 0);
      if (!o) continue;
      const count = o.count ?? 1;
      if (count * o.type.size > s.elemSize) throw new Error(`${count}×${o.type.string} does not fit a ${s.elemSize}-byte slot`);
      if (s.noscan && o.type.ptrWords.length) throw new Error(`${o.type.string} has pointers: not in a noscan span`);
      const base = slot * s.elemSize;
      (o.words ?? []).forEach((w, k) => putU64(mem8, base + k * 8, w));
      if (s.noscan) continue;
      // writeHeapBitsSmall: the type's mask repeated over the bytes asked for.
      for (let e = 0; e < count; e++) {
        for (const w of o.type.ptrWords) {
          const bit = base / 8 + (e * o.type.size) / 8 + w;
          mem8[bitsAt + (bit >> 3)]! |= 1 << (bit & 7);
        }
      }
    }
  });
  table.allocated = Uint8Array.from(allocated);
  return table;
}

const roleNames = Object.fromEntries(Object.entries(Role).map(([name, value]) => [value, name])) as Record<number, string>;

/** What typing says of one object, in words a test can compare. */
export interface ObjectType {
  role: string;
  type: string;
  count: number;
}

/** The Go release a synthetic process is read as: its runtime layout table and map implementation. */
export interface Release {
  minor: number;
  swissMaps: boolean;
}
const go126: Release = { minor: 26, swissMaps: true };

/**
 * Shape inference wired as analysis/heap-analysis.ts inferTypes wires it, over the synthetic heap:
 * no roots, no exact types, no functions, no itabs.
 */
export class ShapeRun {
  readonly types: RuntimeTypes;
  readonly objects: HeapObjects;
  readonly typing: HeapTyping;
  readonly inference: ShapeInference;
  /** Which objects inference judges: all of them, unless a test clears one. */
  readonly judged: Uint8Array;

  constructor(mem: FakeMemory, arena: TypeArena, spans: SpanSpec[], candidates: TypeDesc[], greenTea: boolean, release: Release, recorded: Map<number, TypeDesc>) {
    const md = { types: TYPES, etypes: arena.end, text: TEXT } as Moduledata;
    const { minor, swissMaps } = release;
    this.types = new RuntimeTypes(mem, [md], {
      version: { major: 1, minor, patch: 0, raw: `go1.${minor}.0`, experiments: {} },
      swissMaps,
    });
    const scheme = { allocHeaders: true, greenTea };
    this.objects = new HeapObjects(writeSpans(mem, spans, greenTea), scheme);
    const shapes = new ObjectShapes(this.objects, WordBits.of(mem, tableLayout(minor), scheme, 0));
    const slots = new PointerSlots(this.types, TYPES);
    const noFunc = (): number | undefined => undefined;
    const exactType = new Float64Array(this.objects.count);
    for (const [addr, type] of recorded) exactType[this.objects.objectStartingAt(addr)] = type.addr;
    this.typing = new HeapTyping(mem, this.objects, this.types, slots, containerLayout(tableLayout(minor), swissMaps), exactType, noFunc, undefined, shapes);
    this.judged = new Uint8Array(this.objects.count).fill(1);
    const runtimeCandidates = candidates.map((c) => {
      const t = this.types.typeAt(c.addr);
      if (!t) throw new Error(`no descriptor read back for ${c.string}`);
      return t;
    });
    this.inference = new ShapeInference(mem, this.typing, {
      candidates: runtimeCandidates,
      shapes,
      funcEntry: noFunc,
      isClosure: () => false,
      interfaces: new InterfaceWords(this.typing, () => undefined),
      containers: new ContainerHeaders(mem, this.typing, runtimeCandidates),
      judged: this.judged,
    });
  }

  /** One inference pass; returns how many objects it typed. */
  pass(): number {
    return this.inference.pass();
  }

  /** Follows the typed pointers of what was typed (inferTypes runs it after each pass). */
  propagate(): void {
    this.typing.propagate();
  }

  /** The typing of the object at addr. */
  typeOf(addr: number): ObjectType {
    const obj = this.objects.objectStartingAt(addr);
    if (obj < 0) throw new Error(`no object at 0x${addr.toString(16)}`);
    const role = this.typing.role[obj]!;
    if (role === Role.unknown) return { role: 'unknown', type: '', count: 0 };
    return { role: roleNames[role]!, type: this.types.typeAt(this.typing.type[obj]!)?.string ?? '?', count: this.typing.count[obj]! };
  }
}

/** A fresh synthetic process: memory, its type arena and the basic types the tests build on. */
export function syntheticProcess() {
  const mem = new FakeMemory();
  const arena = new TypeArena(mem);
  const int = arena.int();
  return {
    mem,
    arena,
    int,
    /** Runs shape inference over these spans with these candidates (the types the program allocates). */
    run: (spans: SpanSpec[], candidates: TypeDesc[], greenTea = true, release = go126) => new ShapeRun(mem, arena, spans, candidates, greenTea, release, new Map()),
    /** Typing alone, without inference: `recorded` gives the type the heap records for an object (a malloc header's). */
    typing: (spans: SpanSpec[], recorded = new Map<number, TypeDesc>(), greenTea = true) => new ShapeRun(mem, arena, spans, [], greenTea, go126, recorded),
  };
}
