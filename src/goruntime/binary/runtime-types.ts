import type { AddressSpace } from '../../core/address-space.js';
import {
  abiType, arrayType, chanType, classicMapType, funcType, imethodSize, interfaceType, Kind, kindNames, type MapLayoutKind,
  mapLayoutKind, mapTypeLayout, methodSize, ptrType, sliceType, structField, structType, swissMapType124, swissMapType127,
  TFlag, uncommonType,
} from '../layout/abi-layout.js';
import { readUvarint, u64, type Varint } from '../../util/bytes.js';
import { readSliceHeader } from '../layout/go-struct.js';
import { buildPointerMask } from './gc-mask.js';
import type { Moduledata } from './moduledata.js';
import { atLeast, type GoVersion } from './version.js';

/** Up to 1.25 the Kind_ byte carried flags: DirectIface 0x20 and (≤1.23) GCProg 0x40. */
const kindMask = 0x1f;
const kindDirectIface = 0x20;
const kindGCProg = 0x40;

/** Names longer than this are corrupt (the linker's limit is 1<<29, real ones are far shorter). */
const maxNameLength = 1 << 16;
/** Struct field, method and parameter counts beyond this are corrupt. */
const maxMembers = 1 << 16;
/** An unrolled mask longer than this (256 MiB of pointer data) is corrupt. */
const maxUnrolledWords = 1 << 25;

/** How the binary's runtime interprets type descriptors. */
export interface TypeReaderOptions {
  version: GoVersion;
  /** Swiss-table maps (1.24+ unless built with GOEXPERIMENT=noswissmap). */
  swissMaps: boolean;
}

/** An encoded abi.Name: flags byte, uvarint length, bytes, optional tag, optional pkgPath NameOff. */
export interface AbiName {
  name: string;
  tag: string;
  exported: boolean;
  embedded: boolean;
  /** NameOff of the package path (only for unexported methods defined in another package). */
  pkgPathOff?: number;
}

export interface StructFieldInfo {
  name: string;
  /** Address of the field's type descriptor. */
  typeAddr: number;
  offset: number;
  embedded: boolean;
  exported: boolean;
  tag: string;
}

export interface MethodInfo {
  name: string;
  exported: boolean;
  /** Address of the method's func type (without receiver), 0 if the linker dropped it. */
  mtyp: number;
  /** Code for interface calls (one-word receiver) and for direct calls; 0 if unreachable. */
  ifn: number;
  tfn: number;
}

export interface ImethodInfo {
  name: string;
  exported: boolean;
  /** Address of the method's func type. */
  typ: number;
}

/**
 * Where keys and elems sit in a map's storage. Swiss tables (1.24+): slot i of a group has its key at
 * group + keysOff + i*keyStride and its elem at group + elemsOff + i*elemStride (valid for both 1.27
 * group layouts). Classic bucket maps (≤1.23, noswissmap): bucket = tophash[8], keys[8], elems[8], overflow.
 */
export type MapTypeInfo =
  | {
      layout: 'swiss';
      key: number;
      elem: number;
      group: number;
      hasher: number;
      groupSize: number;
      keysOff: number;
      keyStride: number;
      elemsOff: number;
      elemStride: number;
      flags: number;
      indirectKey: boolean;
      indirectElem: boolean;
    }
  | {
      layout: 'classic';
      key: number;
      elem: number;
      bucket: number;
      hasher: number;
      keySize: number;
      valueSize: number;
      bucketSize: number;
      flags: number;
      indirectKey: boolean;
      indirectElem: boolean;
    };

/** A pointer mask over one value of a type: the shape the heap scan consumes. */
export interface PointerMask {
  size: number;
  ptrBytes: number;
  /** One bit per word of the first ptrBytes, LSB first. */
  bits: Uint8Array;
}

/**
 * Reads runtime type descriptors (internal/abi.Type and its kind-specific extensions) from the
 * binary's type data. Addresses are untrusted: typeAt accepts only descriptors inside a module's
 * [types, etypes) whose header is sane, and caches them by address.
 */
export class RuntimeTypes {
  private readonly cache = new Map<number, RuntimeType | null>();
  private readonly nameCache = new Map<number, AbiName | null>();
  private readonly maskCache = new Map<number, Uint8Array | null>();
  readonly mapLayout: MapLayoutKind;

  constructor(
    readonly mem: AddressSpace,
    readonly modules: readonly Moduledata[],
    readonly options: TypeReaderOptions,
  ) {
    this.mapLayout = mapLayoutKind(options.version, options.swissMaps);
  }

  /** The module whose type data contains addr. */
  moduleOf(addr: number): Moduledata | undefined {
    for (const md of this.modules) if (addr >= md.types && addr < md.etypes) return md;
    return undefined;
  }

  /**
   * The descriptor at addr, or undefined when addr is not a plausible type descriptor. Any word of
   * the heap may be asked about: an address outside every module's type data is turned away before
   * the cache, so the cache holds descriptor addresses only.
   */
  typeAt(addr: number): RuntimeType | undefined {
    const md = this.moduleOf(addr);
    if (!md) return undefined;
    const cached = this.cache.get(addr);
    if (cached !== undefined) return cached ?? undefined;
    const t = this.load(addr, md);
    this.cache.set(addr, t ?? null);
    return t;
  }

  private load(addr: number, md: Moduledata): RuntimeType | undefined {
    if (addr % 8 !== 0) return undefined;
    if (addr + abiType.size > md.etypes || !this.mem.isMapped(addr, abiType.size)) return undefined;
    const t = new RuntimeType(this, md, addr, this.mem.read(addr, abiType.size));
    const alignOk = (a: number) => a > 0 && a <= 64 && (a & (a - 1)) === 0;
    if (t.kind < Kind.Bool || t.kind > Kind.UnsafePointer) return undefined;
    if (t.ptrBytes > t.size || t.ptrBytes % 8 !== 0 || !alignOk(t.align) || !alignOk(t.fieldAlign)) return undefined;
    return t;
  }

  /** The pointer mask of the type at addr (computed for on-demand and GC-program types). */
  pointerMask(addr: number): PointerMask | undefined {
    const t = this.typeAt(addr);
    if (!t) return atLeast(this.options.version, 1, 24) ? undefined : this.unrolledMask(addr);
    const bits = this.maskOf(t);
    return bits ? { size: t.size, ptrBytes: t.ptrBytes, bits } : undefined;
  }

  /**
   * Go 1.22 and 1.23 give a large object whose type has a GC program a stand-in type outside the
   * module (mspan.largeType): only Size_, PtrBytes and GCData, the program run into a plain mask, and
   * TFlagUnrolledBitmap (runtime.heapSetType).
   */
  private unrolledMask(addr: number): PointerMask | undefined {
    if (addr % 8 !== 0 || !this.mem.isMapped(addr, abiType.size)) return undefined;
    const raw = this.mem.read(addr, abiType.size);
    const size = u64(raw, abiType.offsets.Size_);
    const ptrBytes = u64(raw, abiType.offsets.PtrBytes);
    const gcdata = u64(raw, abiType.offsets.GCData);
    if (raw[abiType.offsets.TFlag] !== TFlag.UnrolledBitmap || ptrBytes === 0 || ptrBytes > size || ptrBytes % 8 !== 0) return undefined;
    const words = ptrBytes / 8;
    const bytes = Math.ceil(words / 8);
    if (words > maxUnrolledWords || !this.mem.isMapped(gcdata, bytes)) return undefined;
    const bits = Uint8Array.from(this.mem.read(gcdata, bytes));
    if (words % 8) bits[bytes - 1]! &= (1 << (words % 8)) - 1;
    return { size, ptrBytes, bits };
  }

  /** Cached mask bits of t (see gc-mask.ts); undefined when the type data is inconsistent. */
  maskOf(t: RuntimeType): Uint8Array | undefined {
    const cached = this.maskCache.get(t.addr);
    if (cached !== undefined) return cached ?? undefined;
    // A type that contains itself is corrupt data; the placeholder makes such a cycle end.
    this.maskCache.set(t.addr, null);
    const bits = buildPointerMask(t, this);
    this.maskCache.set(t.addr, bits ?? null);
    return bits;
  }

  /** Decodes the abi.Name at addr (a direct pointer, as in struct fields, or a resolved NameOff). */
  nameAt(addr: number): AbiName | undefined {
    const cached = this.nameCache.get(addr);
    if (cached !== undefined) return cached ?? undefined;
    const name = this.decodeName(addr);
    this.nameCache.set(addr, name ?? null);
    return name;
  }

  private decodeName(addr: number): AbiName | undefined {
    if (addr === 0 || !this.mem.isMapped(addr, 2)) return undefined;
    const flags = this.mem.readU8(addr);
    // A length takes at most 4 bytes here (maxNameLength); read what of them is mapped.
    const varint = (at: number): Varint | undefined => {
      let mapped = 0;
      while (mapped < 4 && this.mem.isMapped(at + mapped, 1)) mapped++;
      const out: Varint = { value: 0, next: 0 };
      if (mapped === 0 || readUvarint(this.mem.read(at, mapped), 0, out)) return undefined;
      return { value: out.value, next: at + out.next };
    };
    const len = varint(addr + 1);
    if (!len || len.value > maxNameLength || !this.mem.isMapped(len.next, len.value)) return undefined;
    const name = this.mem.read(len.next, len.value).toString('utf8');
    let at = len.next + len.value;
    let tag = '';
    if (flags & 2) {
      const tagLen = varint(at);
      if (!tagLen || tagLen.value > maxNameLength || !this.mem.isMapped(tagLen.next, tagLen.value)) return undefined;
      tag = this.mem.read(tagLen.next, tagLen.value).toString('utf8');
      at = tagLen.next + tagLen.value;
    }
    const pkgPathOff = flags & 4 && this.mem.isMapped(at, 4) ? this.mem.readU32(at) | 0 : undefined;
    return { name, tag, exported: (flags & 1) !== 0, embedded: (flags & 8) !== 0, ...(pkgPathOff !== undefined ? { pkgPathOff } : {}) };
  }

  /** runtime.resolveNameOff: a NameOff relative to the types of the module holding `base`. */
  resolveNameOff(base: number, off: number): AbiName | undefined {
    if (off === 0) return undefined;
    const md = this.moduleOf(base);
    if (!md || md.types + off > md.etypes || off < 0) return undefined;
    return this.nameAt(md.types + off);
  }

  /** runtime.resolveTypeOff: the address of a type given by TypeOff (0 for none or unreachable). */
  resolveTypeOff(base: number, off: number): number {
    if (off === 0 || off === -1) return 0;
    const md = this.moduleOf(base);
    if (!md || off < 0 || md.types + off >= md.etypes) return 0;
    return md.types + off;
  }

  /** Address of a function given by TextOff (amd64 has a single text section). */
  resolveTextOff(base: number, off: number): number {
    const md = this.moduleOf(base);
    return !md || off === -1 ? 0 : md.text + (off >>> 0);
  }
}

/** One type descriptor. Kind-specific parts are read on demand. */
export class RuntimeType {
  readonly size: number;
  readonly ptrBytes: number;
  readonly hash: number;
  readonly tflag: number;
  readonly align: number;
  readonly fieldAlign: number;
  /** The raw Kind_ byte (with flag bits before 1.26). */
  readonly rawKind: number;
  readonly kind: number;
  readonly equal: number;
  readonly gcdata: number;
  readonly str: number;
  readonly ptrToThis: number;
  private cachedString?: string;
  private cachedElem?: RuntimeType | null;

  constructor(
    private readonly types: RuntimeTypes,
    readonly module: Moduledata,
    readonly addr: number,
    header: Buffer,
  ) {
    const o = abiType.offsets;
    this.size = u64(header, o.Size_);
    this.ptrBytes = u64(header, o.PtrBytes);
    this.hash = header.readUInt32LE(o.Hash);
    // header is the abiType.size bytes at addr, so every field offset is inside it.
    this.tflag = header[o.TFlag]!;
    this.align = header[o.Align_]!;
    this.fieldAlign = header[o.FieldAlign_]!;
    this.rawKind = header[o.Kind_]!;
    this.kind = atLeast(types.options.version, 1, 26) ? this.rawKind : this.rawKind & kindMask;
    this.equal = u64(header, o.Equal);
    this.gcdata = u64(header, o.GCData);
    this.str = header.readInt32LE(o.Str);
    this.ptrToThis = header.readInt32LE(o.PtrToThis);
  }

  private get version(): GoVersion {
    return this.types.options.version;
  }

  get kindName(): string {
    return kindNames[this.kind] ?? 'invalid';
  }

  /** Values of this type are stored directly in an interface's data word. */
  get directIface(): boolean {
    return atLeast(this.version, 1, 26) ? (this.tflag & TFlag.DirectIface) !== 0 : (this.rawKind & kindDirectIface) !== 0;
  }

  /** GCData points to a slot the runtime fills with the mask on first use (1.24+). */
  get gcMaskOnDemand(): boolean {
    return atLeast(this.version, 1, 24) && (this.tflag & TFlag.GCMaskOnDemand) !== 0;
  }

  /** GCData is a GC program (Go 1.22–1.23, types whose mask would exceed 2048 bytes). */
  get gcProgram(): boolean {
    return !atLeast(this.version, 1, 24) && (this.rawKind & kindGCProg) !== 0;
  }

  /** The type as Go prints it: `*main.Session`, `map[string][]uint8`, `main.Pair[int,string]`. */
  get string(): string {
    if (this.cachedString === undefined) {
      const s = this.types.resolveNameOff(this.addr, this.str)?.name ?? '';
      this.cachedString = this.tflag & TFlag.ExtraStar ? s.slice(1) : s;
    }
    return this.cachedString;
  }

  /** The defined name without package (runtime rtype.name): `Session`, `Pair[int,string]`; '' if unnamed. */
  get name(): string {
    if (!(this.tflag & TFlag.Named)) return '';
    const s = this.string;
    let depth = 0;
    let i = s.length - 1;
    for (; i >= 0 && (s[i] !== '.' || depth !== 0); i--) {
      if (s[i] === ']') depth++;
      else if (s[i] === '[') depth--;
    }
    return s.slice(i + 1);
  }

  /** Import path of the defining package (runtime rtype.pkgpath). */
  get pkgPath(): string {
    const u = this.uncommon();
    if (u) return this.types.resolveNameOff(this.addr, u.pkgPathOff)?.name ?? '';
    if (this.kind === Kind.Struct || this.kind === Kind.Interface) {
      return this.types.nameAt(this.word(structType.offsets.PkgPath))?.name ?? '';
    }
    return '';
  }

  private word(offset: number): number {
    return this.types.mem.readPtr(this.addr + offset);
  }

  /** Size of the kind-specific descriptor, after which the UncommonType follows. */
  private get kindSize(): number {
    switch (this.kind) {
      case Kind.Array: return arrayType.size;
      case Kind.Chan: return chanType.size;
      case Kind.Func: return funcType.size;
      case Kind.Interface: return interfaceType.size;
      case Kind.Map: return mapTypeLayout(this.types.mapLayout).size;
      case Kind.Pointer: return ptrType.size;
      case Kind.Slice: return sliceType.size;
      case Kind.Struct: return structType.size;
      default: return abiType.size;
    }
  }

  /** The UncommonType (package path and methods) of defined types and types with methods. */
  uncommon(): { addr: number; pkgPathOff: number; mcount: number; xcount: number; moff: number } | undefined {
    if (!(this.tflag & TFlag.Uncommon)) return undefined;
    const addr = this.addr + this.kindSize;
    if (!this.types.mem.isMapped(addr, uncommonType.size)) return undefined;
    const b = this.types.mem.read(addr, uncommonType.size);
    const o = uncommonType.offsets;
    return { addr, pkgPathOff: b.readInt32LE(o.PkgPath), mcount: b.readUInt16LE(o.Mcount), xcount: b.readUInt16LE(o.Xcount), moff: b.readUInt32LE(o.Moff) };
  }

  /** Methods of a non-interface type, sorted by name (exported ones first are the first xcount). */
  methods(): MethodInfo[] {
    const u = this.uncommon();
    if (!u || u.mcount === 0) return [];
    const start = u.addr + u.moff;
    if (!this.types.mem.isMapped(start, u.mcount * methodSize)) return [];
    const raw = this.types.mem.read(start, u.mcount * methodSize);
    const methods: MethodInfo[] = [];
    for (let i = 0; i < u.mcount; i++) {
      const name = this.types.resolveNameOff(this.addr, raw.readInt32LE(i * methodSize));
      methods.push({
        name: name?.name ?? '',
        exported: name?.exported ?? false,
        mtyp: this.types.resolveTypeOff(this.addr, raw.readInt32LE(i * methodSize + 4)),
        ifn: this.types.resolveTextOff(this.addr, raw.readInt32LE(i * methodSize + 8)),
        tfn: this.types.resolveTextOff(this.addr, raw.readInt32LE(i * methodSize + 12)),
      });
    }
    return methods;
  }

  /** Element type of arrays, chans, maps, pointers and slices. */
  /** The element type (cached: heap typing asks for it once per pointer it follows). */
  elem(): RuntimeType | undefined {
    if (this.cachedElem === undefined) this.cachedElem = this.readElem() ?? null;
    return this.cachedElem ?? undefined;
  }

  private readElem(): RuntimeType | undefined {
    switch (this.kind) {
      case Kind.Array:
      case Kind.Chan:
      case Kind.Map:
      case Kind.Pointer:
      case Kind.Slice:
        // Elem follows the common header in every kind but maps, where the key comes first.
        return this.types.typeAt(this.word(this.kind === Kind.Map ? mapTypeLayout(this.types.mapLayout).offsets.Elem : ptrType.offsets.Elem));
      default:
        return undefined;
    }
  }

  /** Key type of a map. */
  key(): RuntimeType | undefined {
    return this.kind === Kind.Map ? this.types.typeAt(this.word(mapTypeLayout(this.types.mapLayout).offsets.Key)) : undefined;
  }

  /** Length of an array type (0 for other kinds). */
  get len(): number {
    return this.kind === Kind.Array ? this.types.mem.readU64(this.addr + arrayType.offsets.Len) : 0;
  }

  /** Direction of a chan type: 1 receive, 2 send, 3 both (0 for other kinds). */
  get chanDir(): number {
    return this.kind === Kind.Chan ? this.types.mem.readI64(this.addr + chanType.offsets.Dir) : 0;
  }

  /** Fields of a struct type in declaration order. */
  fields(): StructFieldInfo[] {
    if (this.kind !== Kind.Struct) return [];
    const mem = this.types.mem;
    const { ptr, len } = readSliceHeader(mem, this.addr + structType.offsets.Fields);
    if (len > maxMembers || !mem.isMapped(ptr, len * structField.size)) return [];
    const raw = mem.read(ptr, len * structField.size);
    const fields: StructFieldInfo[] = [];
    for (let i = 0; i < len; i++) {
      const at = i * structField.size;
      const name = this.types.nameAt(u64(raw, at + structField.offsets.Name));
      fields.push({
        name: name?.name ?? '',
        typeAddr: u64(raw, at + structField.offsets.Typ),
        offset: u64(raw, at + structField.offsets.Offset),
        embedded: name?.embedded ?? false,
        exported: name?.exported ?? false,
        tag: name?.tag ?? '',
      });
    }
    return fields;
  }

  /** Parameter and result types of a func type. */
  funcSignature(): { in: number[]; out: number[]; variadic: boolean } | undefined {
    if (this.kind !== Kind.Func) return undefined;
    const mem = this.types.mem;
    const inCount = mem.readU16(this.addr + funcType.offsets.InCount);
    const outWord = mem.readU16(this.addr + funcType.offsets.OutCount);
    const outCount = outWord & 0x7fff;
    const start = this.addr + funcType.size + (this.tflag & TFlag.Uncommon ? uncommonType.size : 0);
    if (!mem.isMapped(start, (inCount + outCount) * 8)) return undefined;
    const params = Array.from({ length: inCount + outCount }, (_, i) => mem.readPtr(start + i * 8));
    return { in: params.slice(0, inCount), out: params.slice(inCount), variadic: (outWord & 0x8000) !== 0 };
  }

  /** Methods of an interface type, sorted by name. */
  interfaceMethods(): ImethodInfo[] {
    if (this.kind !== Kind.Interface) return [];
    const mem = this.types.mem;
    const { ptr, len } = readSliceHeader(mem, this.addr + interfaceType.offsets.Methods);
    if (len > maxMembers || !mem.isMapped(ptr, len * imethodSize)) return [];
    const raw = mem.read(ptr, len * imethodSize);
    const methods: ImethodInfo[] = [];
    for (let i = 0; i < len; i++) {
      const name = this.types.resolveNameOff(this.addr, raw.readInt32LE(i * imethodSize));
      methods.push({
        name: name?.name ?? '',
        exported: name?.exported ?? false,
        typ: this.types.resolveTypeOff(this.addr, raw.readInt32LE(i * imethodSize + 4)),
      });
    }
    return methods;
  }

  /** Map storage layout; undefined for other kinds. */
  mapInfo(): MapTypeInfo | undefined {
    if (this.kind !== Kind.Map) return undefined;
    const kind = this.types.mapLayout;
    const layout = mapTypeLayout(kind);
    const b = this.types.mem.read(this.addr, layout.size);
    // The fields every layout has; the others come from the layout mapTypeLayout picked for `kind`.
    const o = layout.offsets;
    const key = u64(b, o.Key);
    const elem = u64(b, o.Elem);
    const flags = b.readUInt32LE(o.Flags);
    if (kind === 'classic') {
      const c = classicMapType.offsets;
      // Old map flags: 1 indirect key, 2 indirect elem.
      return {
        layout: 'classic', key, elem, bucket: u64(b, c.Bucket), hasher: u64(b, o.Hasher), keySize: b[c.KeySize]!,
        valueSize: b[c.ValueSize]!, bucketSize: b.readUInt16LE(c.BucketSize), flags,
        indirectKey: (flags & 1) !== 0, indirectElem: (flags & 2) !== 0,
      };
    }
    const s127 = swissMapType127.offsets;
    const s124 = swissMapType124.offsets;
    // Swiss map flags: 4 MapIndirectKey, 8 MapIndirectElem. Groups start with an 8-byte control word.
    const slots = kind === 'swiss127'
      ? { keysOff: u64(b, s127.KeysOff), keyStride: u64(b, s127.KeyStride), elemsOff: u64(b, s127.ElemsOff), elemStride: u64(b, s127.ElemStride) }
      : { keysOff: 8, keyStride: u64(b, s124.SlotSize), elemsOff: 8 + u64(b, s124.ElemOff), elemStride: u64(b, s124.SlotSize) };
    const s = kind === 'swiss127' ? s127 : s124;
    return {
      layout: 'swiss', key, elem, group: u64(b, s.Group), hasher: u64(b, o.Hasher), groupSize: u64(b, s.GroupSize),
      ...slots, flags, indirectKey: (flags & 4) !== 0, indirectElem: (flags & 8) !== 0,
    };
  }

  /** One bit per word of the first ptrBytes bytes, LSB first: which words hold pointers. */
  pointerMask(): Uint8Array | undefined {
    return this.types.maskOf(this);
  }
}
