import { MemoryFault, type AddressSpace, wordOrZero } from '../../core/address-space.js';
import { Kind } from '../layout/abi-layout.js';
import type { HeapObjects } from '../heap/heap-objects.js';
import { WordBuffer } from '../../core/word-buffer.js';
import type { RuntimeType, RuntimeTypes } from '../binary/runtime-types.js';
import { isRuntimeMapPart } from './allocation-fit.js';
import type { DeclaredType, PointerSlot, PointerSlots, SlotKind } from '../binary/pointer-slots.js';
import { ptrSize } from '../arch.js';
import type { ClassicMapLayout, ContainerLayout, SwissMapLayout } from '../layout/container-layout.js';

/** The heap's pointer bits of small objects (heap/object-shapes.ts). */
export interface HeapBits {
  hasBits(obj: number): boolean;
  pointerWord(obj: number, w: number): boolean;
}

/** What an object is, as far as typing found out. */
export const Role = {
  unknown: 0,
  /** One or more values of `type` laid end to end. */
  value: 1,
  /** A slice's backing array of `count` elements of `type`. */
  array: 2,
  /** The bytes of a string (`count` = length). */
  string: 3,
  /** A map's header (`type` = the map type); what makes up the map folds into it. */
  mapHeader: 4,
  /** A swiss map's directory or table, a bucket map's mapextra or overflow list (`type` = the map type). */
  mapTable: 5,
  /** An array of a map's groups or buckets (`type` = the group or bucket type). */
  mapGroups: 6,
  /** A channel (`type` = the chan type); a separate buffer folds into it. */
  chan: 7,
  chanBuffer: 8,
  /** A closure (`type` = the function's entry PC). */
  closure: 9,
} as const;
export type Role = (typeof Role)[keyof typeof Role];

/** Roles whose objects belong to their owner's frame instead of making their own. */
export function isInternal(role: number): boolean {
  return role === Role.mapTable || role === Role.mapGroups || role === Role.chanBuffer;
}

/** Typed values inside untyped objects followed at most: the set of those followed stays under ~200 MiB. */
const maxParts = 1 << 22;

/** Objects are read in windows of this size while typing. */
const window = 1 << 20;

/** The words of a value that holds pointer slots: `word(offset)` is the word at that offset in the value, 0 where unknown. */
export interface WordSource {
  word(offset: number): number;
}

/**
 * Types heap objects: exactly where the heap records a type (malloc header, largeType), otherwise by
 * propagation from typed roots along typed pointers, slices, strings, maps, channels, interfaces and
 * closures. Per object: `role`, `type` (a type descriptor address, or a PC for closures), `count`.
 */
export class HeapTyping {
  readonly role: Uint8Array;
  readonly type: Float64Array;
  readonly count: Float64Array;
  /** 1 for objects whose type the heap recorded (malloc header, large span): never retyped. */
  private readonly recorded: Uint8Array;
  /** Per struct type, the types that start at its offset 0 (its first field, that field's first field, …). */
  private readonly prefixTypes = new Map<number, number[]>();
  private readonly shapeTypes = new Map<number, boolean>();
  private readonly queue: number[] = [];
  /** Typed values inside untyped objects, as (address, type) pairs, to follow the pointers of. */
  private readonly parts: number[] = [];
  /** Addresses of the parts queued so far: each is followed once. */
  private readonly partsSeen = new Set<number>();
  /** Per object, the clock value of its last change, once trackChanges was called. */
  private changeStamp: Int32Array | undefined;
  private changes = 0;
  /** Reads the object being expanded; one for all, since expanding never nests. */
  private readonly reader: WindowReader;
  /** Reads a bucket array while its overflow chains are followed. */
  private readonly bucketReader: WindowReader;

  constructor(
    private readonly mem: AddressSpace,
    readonly objects: HeapObjects,
    readonly types: RuntimeTypes,
    readonly slots: PointerSlots,
    /** Where map headers and channels keep their contents. */
    readonly containers: ContainerLayout,
    /** Type descriptor of each object recorded by the heap (0 when none), from the pointer scan. */
    exactType: Float64Array,
    private readonly funcEntry: (pc: number) => number | undefined,
    /** The captured variables of closures of the function at an entry PC (from DWARF), if known. */
    readonly closureSlots: (entry: number) => PointerSlot[] | undefined = () => undefined,
    /** The heap's pointer bits of small objects, which an interface's claim about its data must agree with. */
    private readonly heapBits?: HeapBits,
  ) {
    this.reader = new WindowReader(mem);
    this.bucketReader = new WindowReader(mem);
    const n = objects.count;
    this.role = new Uint8Array(n);
    this.type = new Float64Array(n);
    this.count = new Float64Array(n);
    this.recorded = new Uint8Array(n);
    for (let o = 0; o < n; o++) {
      const t = exactType[o] ? types.typeAt(exactType[o]!) : undefined;
      if (t && t.size > 0) this.recorded[o] = this.assign(o, Role.value, t, this.capacity(o, t)) ? 1 : 0;
    }
  }

  /** Offset where an object's data starts: 8 for objects with a malloc header, else 0. */
  dataOffset(obj: number): number {
    return this.objects.dataOffset(obj);
  }

  /** Follows a typed pointer slot of a value whose words `words` reads. */
  followSlot(slot: PointerSlot, words: WordSource): void {
    const value = words.word(slot.offset);
    if (slot.kind === 'eface' || slot.kind === 'iface') {
      const dynamic = this.dynamicType(slot.kind, value);
      if (dynamic) this.followInterfaceData(dynamic, words.word(slot.offset + ptrSize));
      return;
    }
    if (value === 0) return;
    // A slice's capacity and a string's length say how many elements the target holds.
    const extent = slot.kind === 'slice' ? words.word(slot.offset + ptrSize * 2) : slot.kind === 'string' ? words.word(slot.offset + ptrSize) : 1;
    this.follow(slot.kind, slot.type, value, extent);
  }

  /** The dynamic type of an interface from its first word (type for eface, itab for iface). */
  dynamicType(kind: 'eface' | 'iface', first: number): RuntimeType | undefined {
    if (first === 0) return undefined;
    return this.types.typeAt(kind === 'eface' ? first : this.readWord(first + ptrSize));
  }

  /** Propagates until no newly typed object is left. */
  propagate(): void {
    for (;;) {
      if (this.queue.length > 0) this.expand(this.queue.pop()!);
      else if (this.parts.length > 0) this.expandPart(this.parts.pop()!, this.parts.pop()!);
      else return;
    }
  }

  /** Starts recording when each object's role or type changes, for changedSince. */
  trackChanges(): void {
    this.changeStamp ??= new Int32Array(this.objects.count);
  }

  /** A clock that every recorded change advances: changes after reading it are changedSince it. */
  get clock(): number {
    return this.changes;
  }

  /** Whether the object's role or type changed after `clock` read `time` (false for changes before trackChanges). */
  changedSince(obj: number, time: number): boolean {
    return this.changeStamp !== undefined && this.changeStamp[obj]! > time;
  }

  private stamp(obj: number): void {
    if (this.changeStamp) this.changeStamp[obj] = ++this.changes;
  }

  /** Bytes of objects whose type is known. */
  typedBytes(): number {
    let total = 0;
    for (let o = 0; o < this.objects.count; o++) if (this.role[o] !== Role.unknown) total += this.objects.size[o]!;
    return total;
  }

  /** Types an untyped object (or a runtime map struct, as what it is in its map) from what inference found out; false when it was typed already. */
  infer(obj: number, role: Role, type: RuntimeType | number, count: number): boolean {
    return this.assign(obj, role, type, count);
  }

  private assign(obj: number, role: Role, type: DeclaredType | number, count: number): boolean {
    if (obj < 0) return false;
    const addr = typeof type === 'number' ? type : type.addr;
    if (this.role[obj] !== Role.unknown) {
      // The heap recorded only the element type; a slice, map or channel says what the array is for.
      if (this.role[obj] === Role.value && this.type[obj] === addr && refines(role)) {
        // Values past the ones known before are read now.
        if (count > this.count[obj]!) this.queue.push(obj);
        this.role[obj] = role;
        this.count[obj] = count;
        this.stamp(obj);
      }
      // A map's header or parts, typed as the runtime's own structs before the map was found: followed again as what they are.
      if (isMapRole(role) && (this.role[obj] === Role.value || this.role[obj] === Role.array) && isRuntimeMapPart(this.types.typeAt(this.type[obj]!))) {
        this.type[obj] = addr;
        this.role[obj] = role;
        this.count[obj] = count;
        this.stamp(obj);
        this.queue.push(obj);
        return true;
      }
      if (this.type[obj] === addr) return false;
      if ((role === Role.value || refines(role)) && this.concretizes(obj, addr)) {
        this.type[obj] = addr;
        if (refines(role)) {
          this.role[obj] = role;
          this.count[obj] = count;
        }
        this.stamp(obj);
        this.queue.push(obj);
        return true;
      }
      if (role === Role.value && this.startsWith(obj, addr)) {
        this.type[obj] = addr;
        this.count[obj] = this.valuesByHeapBits(obj, this.types.typeAt(addr)!);
        this.stamp(obj);
        this.queue.push(obj);
        return true;
      }
      return false;
    }
    if (addr === 0 && role !== Role.string) return false;
    this.role[obj] = role;
    this.type[obj] = addr;
    this.count[obj] = count;
    this.stamp(obj);
    this.queue.push(obj);
    return true;
  }

  /**
   * Whether a struct `outer` that the object can hold begins with the value it was typed as: a
   * pointer to a struct's first field (an embedded base, `*Type` inside `struct{ Type; … }`) typed the
   * object as that field, and a pointer to the whole struct says what the rest of it is.
   */
  private startsWith(obj: number, outer: number): boolean {
    // Not a value the heap recorded; one typed as several values by its heap bits may be one struct.
    if (this.recorded[obj] || this.role[obj] !== Role.value) return false;
    const t = this.types.typeAt(outer);
    if (!t || t.size > this.objects.size[obj]! - this.dataOffset(obj)) return false;
    return this.prefixesOf(t).includes(this.type[obj]!);
  }

  private prefixesOf(outer: RuntimeType): number[] {
    let prefixes = this.prefixTypes.get(outer.addr);
    if (prefixes) return prefixes;
    prefixes = [];
    // Bounded: a damaged descriptor could chain first fields in a loop.
    for (let t: RuntimeType | undefined = outer; t && prefixes.length < 32; ) {
      const first: RuntimeType | undefined = t.kind === Kind.Struct ? this.firstField(t) : undefined;
      if (!first || first.size > t.size) break;
      prefixes.push(first.addr);
      t = first;
    }
    this.prefixTypes.set(outer.addr, prefixes);
    return prefixes;
  }

  /** The field at offset 0 that has a size (a leading `_ [0]func()` or `noCopy` takes no room). */
  private firstField(t: RuntimeType): RuntimeType | undefined {
    for (const field of t.fields()) {
      if (field.offset !== 0) return undefined;
      const type = this.types.typeAt(field.typeAddr);
      if (type && type.size > 0) return type;
    }
    return undefined;
  }

  /**
   * Whether `concrete` says what the object's values are where the heap recorded only their shape:
   * generic code allocates `go.shape.*uint8` or `go.shape.struct { … }` values, and a holder that
   * declares a type of the same size and pointer layout names the type they were made as.
   */
  private concretizes(obj: number, concrete: number): boolean {
    const role = this.role[obj]!;
    if (role !== Role.value && role !== Role.array) return false;
    if (!this.isShapeType(this.type[obj]!)) return false;
    const shape = this.types.typeAt(this.type[obj]!)!;
    const t = this.types.typeAt(concrete);
    if (!t || isShape(t) || t.size !== shape.size || t.ptrBytes !== shape.ptrBytes) return false;
    if (t.ptrBytes === 0) return true;
    const a = this.types.maskOf(t);
    const b = this.types.maskOf(shape);
    return a !== undefined && b !== undefined && a.length === b.length && a.every((byte, i) => byte === b[i]);
  }

  /** Whether the type descriptor at addr is a generic shape (asked for every retyping: remembered). */
  private isShapeType(addr: number): boolean {
    let shape = this.shapeTypes.get(addr);
    if (shape === undefined) {
      const t = this.types.typeAt(addr);
      this.shapeTypes.set(addr, (shape = t !== undefined && isShape(t)));
    }
    return shape;
  }

  /** Types what `value` points to, given how the slot holding it is declared; `extent` is a slice's cap or a string's length. */
  private follow(kind: SlotKind, declared: DeclaredType, value: number, extent: number): void {
    if (value === 0) return;
    const obj = this.objects.find(value);
    if (obj < 0) return;
    const atStart = value === this.objects.dataStart(obj);
    switch (kind) {
      case 'pointer': {
        const elem = declared.elem();
        // go.shape.*uint8 stands for every pointer type: it says nothing of what it points to.
        if (!elem || elem.size === 0 || isShape(declared)) return;
        // A pointer to more than the object holds is not what the object is (a stale or unsafe pointer).
        if (atStart && elem.size <= this.objects.size[obj]! - this.dataOffset(obj)) {
          // How many values only matters to an object not typed yet (a retyped one counts its own).
          this.assign(obj, Role.value, elem, this.role[obj] === Role.unknown ? this.valuesByHeapBits(obj, elem) : 1);
        }
        if (atStart) return;
        const atElement = (value - this.objects.dataStart(obj)) % elem.size === 0;
        const untyped = this.role[obj] === Role.unknown;
        // One of the values of a small array whose heap bits are those of values of elem, end to end.
        const values = atElement && untyped ? this.valuesByHeapBits(obj, elem) : 1;
        if (values > 1) {
          this.assign(obj, Role.value, elem, values);
        } else if (atElement && !untyped && this.type[obj] !== elem.addr && this.concretizes(obj, elem.addr)) {
          // A pointer to one of the values of a generic array (an element of a pool) names them all.
          this.type[obj] = elem.addr;
          this.stamp(obj);
          this.queue.push(obj);
        } else if (untyped && elem.ptrBytes > 0 && this.partsSeen.size < maxParts && !this.partsSeen.has(value)) {
          // A field of an untyped object (an embedded struct not at its start): its pointers may say what the object is.
          this.partsSeen.add(value);
          this.parts.push(elem.addr, value);
        }
        return;
      }
      case 'slice': {
        const elem = declared.elem();
        // A capacity the root could not tell (a split variable) is what the object can hold.
        const count = extent > 0 ? extent : Math.floor((this.objects.size[obj]! - this.dataOffset(obj)) / (elem?.size || 1));
        if (elem && elem.size > 0 && atStart) this.assign(obj, Role.array, elem, count);
        return;
      }
      case 'string':
        if (atStart) this.assign(obj, Role.string, declared, extent);
        return;
      case 'map':
        if (atStart) this.assign(obj, Role.mapHeader, declared, 1);
        return;
      case 'chan':
        if (atStart) this.assign(obj, Role.chan, declared, 1);
        return;
      case 'func':
        if (atStart) this.assign(obj, Role.closure, this.funcEntry(this.readWord(value)) ?? 0, 1);
        return;
      default:
        return;
    }
  }

  /** An interface's data word: the value itself for pointer-shaped types, else a pointer to a copy. */
  followInterfaceData(dynamic: RuntimeType, data: number): void {
    if (!dynamic.directIface) {
      const obj = this.objects.objectStartingAt(data);
      if (obj >= 0 && this.agreesWithHeapBits(obj, dynamic)) this.assign(obj, Role.value, dynamic, 1);
      return;
    }
    const slot = this.slots.at(dynamic, 0);
    if (slot && slot.kind !== 'eface' && slot.kind !== 'iface') this.follow(slot.kind, slot.type, data, 1);
  }

  /**
   * How many values of t a small object holds that a pointer to its start, or to a multiple of t's
   * size in it, typed as t: k when the heap's pointer bits are exactly those of k values end to end
   * (a small pool chunk, `make([]T, k)` reached by `&s[i]`), else 1 (the rest of the object may be a
   * struct that begins with a t).
   */
  private valuesByHeapBits(obj: number, t: RuntimeType): number {
    const size = this.objects.size[obj]!;
    if (t.ptrBytes === 0 || t.size % ptrSize !== 0 || size < 2 * t.size || !this.heapBits?.hasBits(obj)) return 1;
    const mask = this.types.maskOf(t);
    if (!mask) return 1;
    const values = Math.floor(size / t.size);
    const valueWords = t.size / ptrSize;
    const typedWords = values * valueWords;
    for (let w = 0, i = 0; w < size / ptrSize; w++, i = i + 1 === valueWords ? 0 : i + 1) {
      const typed = w < typedWords && i * ptrSize < t.ptrBytes && (mask[i >> 3]! & (1 << (i & 7))) !== 0;
      if (typed !== this.heapBits.pointerWord(obj, w)) return 1;
    }
    return values;
  }

  /**
   * Whether the heap's pointer bits of a small object are those of one value of t: the allocator
   * wrote them from the type the object was made with, so a stale or misread interface word that
   * names another type of the same size is caught. True when the object has no such bits.
   */
  private agreesWithHeapBits(obj: number, t: RuntimeType): boolean {
    if (!this.heapBits?.hasBits(obj)) return true;
    const mask = this.types.maskOf(t);
    if (!mask) return true;
    const words = this.objects.size[obj]! / ptrSize;
    for (let w = 0; w < words; w++) {
      const typed = w * ptrSize < t.ptrBytes && (mask[w >> 3]! & (1 << (w & 7))) !== 0;
      if (typed !== this.heapBits.pointerWord(obj, w)) return false;
    }
    return true;
  }

  private readWord(addr: number): number {
    return wordOrZero(this.mem, addr);
  }

  /** Follows the typed pointers inside a newly typed object. */
  private expand(obj: number): void {
    const role = this.role[obj]!;
    const addr = this.objects.addr[obj]!;
    if (role === Role.mapHeader) return this.expandMap(obj, addr);
    if (role === Role.chan) return this.expandChan(obj, addr);
    const start = addr + this.dataOffset(obj);
    const end = addr + this.objects.size[obj]!;
    const reader = this.reader;
    if (role === Role.closure) {
      const captured = this.closureSlots(this.type[obj]!) ?? [];
      reader.reset(start, end - start);
      for (const slot of captured) this.followSlot(slot, reader);
      return;
    }
    if (role !== Role.value && role !== Role.array && role !== Role.mapGroups && role !== Role.chanBuffer) return;
    const elem = this.types.typeAt(this.type[obj]!);
    if (!elem || elem.ptrBytes === 0) return;
    const slots = this.slots.of(elem);
    reader.reset(start, end - start);
    // Only the values the object is known to hold: past them lie a struct's other fields (the object
    // was typed by a pointer to its first field) or a slice's spare capacity, not more values of elem.
    const values = Math.min(this.count[obj]!, Math.floor((end - start) / elem.size));
    for (let i = 0, base = 0; i < values; i++, base += elem.size) {
      reader.base = base;
      for (let i = 0; i < slots.length; i++) this.followSlot(slots[i]!, reader);
    }
  }

  /** Follows the pointers of a value of type `typeAddr` at `addr` inside an object still untyped. */
  private expandPart(addr: number, typeAddr: number): void {
    const obj = this.objects.find(addr);
    const t = this.types.typeAt(typeAddr);
    if (obj < 0 || this.role[obj] !== Role.unknown || !t) return;
    const end = Math.min(addr + t.size, this.objects.addr[obj]! + this.objects.size[obj]!);
    this.reader.reset(addr, end - addr);
    for (const slot of this.slots.of(t)) this.followSlot(slot, this.reader);
  }

  private expandMap(header: number, addr: number): void {
    const mapType = this.types.typeAt(this.type[header]!);
    const info = mapType?.mapInfo();
    const m = this.containers.map;
    if (!mapType || !info) return;
    if (info.layout === 'swiss' && m.kind === 'swiss') this.expandSwissMap(m, mapType, info.group, addr);
    else if (info.layout === 'classic' && m.kind === 'classic') this.expandBucketMap(m, mapType, info.bucket, addr);
  }

  private expandSwissMap(m: SwissMapLayout, mapType: RuntimeType, group: number, addr: number): void {
    const groupType = this.types.typeAt(group);
    if (!groupType || groupType.size === 0) return;
    const dirPtr = this.readWord(addr + m.mapDirPtr);
    const dirLen = this.readWord(addr + m.mapDirLen);
    const typeGroups = (groupsAddr: number) => {
      const g = this.objects.find(groupsAddr);
      if (g >= 0) this.assign(g, Role.mapGroups, groupType, this.capacity(g, groupType));
    };
    if (dirLen === 0) return typeGroups(dirPtr);
    const dir = this.objects.find(dirPtr);
    if (dir < 0) return;
    this.assign(dir, Role.mapTable, mapType, dirLen);
    const entries = Math.min(dirLen, Math.floor(this.objects.size[dir]! / ptrSize));
    for (let i = 0; i < entries; i++) {
      const tableAddr = this.readWord(dirPtr + i * ptrSize);
      const table = this.objects.find(tableAddr);
      if (table < 0 || !this.assign(table, Role.mapTable, mapType, 1)) continue; // directories repeat tables
      typeGroups(this.readWord(tableAddr + m.tableGroups));
    }
  }

  /**
   * A bucket map (runtime.hmap): its array of buckets and, while it grows, the old one, each with
   * the overflow buckets chained from the last word of a bucket; and its mapextra, whose overflow
   * lists keep the overflow buckets of a pointer-free map alive (its buckets' last word is a uintptr).
   */
  private expandBucketMap(m: ClassicMapLayout, mapType: RuntimeType, bucket: number, addr: number): void {
    const bucketType = this.types.typeAt(bucket);
    if (!bucketType || bucketType.size < ptrSize) return;
    for (const field of [m.buckets, m.oldbuckets]) {
      const array = this.objects.objectStartingAt(this.readWord(addr + field));
      if (array < 0) continue;
      // 2^B buckets and the overflow buckets preallocated with them: the runtime uses all the slot holds.
      this.assign(array, Role.mapGroups, bucketType, this.capacity(array, bucketType));
      if (this.role[array] === Role.mapGroups) this.typeOverflowChains(array, bucketType);
    }
    const extraAddr = this.readWord(addr + m.extra);
    const extra = this.objects.objectStartingAt(extraAddr);
    if (extra < 0) return;
    this.assign(extra, Role.mapTable, mapType, 1);
    for (const list of m.extraLists) {
      const sliceAddr = this.readWord(extraAddr + list);
      const slice = this.objects.objectStartingAt(sliceAddr);
      if (slice < 0) continue;
      this.assign(slice, Role.mapTable, mapType, 1);
      this.assign(this.objects.objectStartingAt(this.readWord(sliceAddr)), Role.mapTable, mapType, 1);
    }
  }

  /** Types the overflow buckets chained from each bucket of a bucket array as the map's buckets too. */
  private typeOverflowChains(array: number, bucketType: RuntimeType): void {
    const start = this.objects.dataStart(array);
    const reader = this.bucketReader;
    reader.reset(start, this.objects.addr[array]! + this.objects.size[array]! - start);
    const link = bucketType.size - ptrSize;
    for (let i = 0, n = this.count[array]!; i < n; i++) {
      // Preallocated overflow buckets lie inside the array (its last one points back at the array's start);
      // a bucket already typed as the map's ends the chain, which also stops a corrupt chain from looping.
      for (let next = reader.word(i * bucketType.size + link); ; next = this.readWord(next + link)) {
        const o = this.objects.objectStartingAt(next);
        if (o < 0 || this.role[o] === Role.mapGroups) break;
        this.assign(o, Role.mapGroups, bucketType, 1);
        if (this.role[o] !== Role.mapGroups) break;
      }
    }
  }

  /** How many values of t an object holds. */
  private capacity(obj: number, t: RuntimeType): number {
    return Math.floor((this.objects.size[obj]! - this.dataOffset(obj)) / t.size);
  }

  private expandChan(obj: number, addr: number): void {
    const chanType = this.types.typeAt(this.type[obj]!);
    const elem = chanType?.kind === Kind.Chan ? chanType.elem() : undefined;
    if (!elem || elem.ptrBytes === 0) return;
    const buf = this.objects.find(this.readWord(addr + this.containers.chanBuf));
    if (buf >= 0 && this.objects.addr[buf] !== addr) this.assign(buf, Role.chanBuffer, elem, this.readWord(addr + 8));
  }
}

/** The roles of a map's header and of what folds into it. */
function isMapRole(role: Role): boolean {
  return role === Role.mapHeader || role === Role.mapTable || role === Role.mapGroups;
}

/** Types that generic code is compiled for: the heap records these where it records a generic value's type. */
function isShape(t: DeclaredType): boolean {
  return t.string.startsWith('go.shape.');
}

/** Roles that say more about an array the heap already typed by its element. */
function refines(role: Role): boolean {
  return role === Role.array || role === Role.mapGroups || role === Role.chanBuffer;
}

/**
 * Reads the words of one object at a time, [start, start+length), through a sliding window copied
 * into one reused buffer, so huge objects stay cheap and small ones allocate nothing. `word` reads
 * at `base` + offset, so the slots of each element of an array are read with the element's offsets.
 */
class WindowReader implements WordSource {
  private readonly loaded = new WordBuffer();
  private start = 0;
  private length = 0;
  /** Offset of the loaded window in the object; -1 when nothing is loaded. */
  private loadedAt = -1;
  base = 0;

  constructor(private readonly mem: AddressSpace) {}

  reset(start: number, length: number): void {
    this.start = start;
    this.length = length;
    this.loadedAt = -1;
    this.base = 0;
  }

  /** The word at `base + offset` from start; 0 outside the object or when memory is missing. */
  word(offset: number): number {
    const at = this.base + offset;
    if (at < 0 || at + ptrSize > this.length) return 0;
    if (this.loadedAt < 0 || at < this.loadedAt || at + ptrSize > this.loadedAt + this.loaded.length) {
      if (!this.load(at)) return 0;
    }
    return this.loaded.word(at - this.loadedAt);
  }

  private load(at: number): boolean {
    this.loadedAt = at;
    try {
      this.loaded.load(this.mem, this.start + at, Math.min(window, this.length - at));
      return true;
    } catch (err) {
      if (!(err instanceof MemoryFault)) throw err;
      this.loadedAt = -1;
      return false;
    }
  }
}
