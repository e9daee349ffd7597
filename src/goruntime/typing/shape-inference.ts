import type { AddressSpace } from '../../core/address-space.js';
import { u64 } from '../../util/bytes.js';
import { Kind } from '../layout/abi-layout.js';
import { type ObjectShapes, shapeKeyOf, wideSlot } from '../heap/object-shapes.js';
import { sizeClassOf } from '../heap/size-classes.js';
import type { RuntimeType, RuntimeTypes } from '../binary/runtime-types.js';
import { Role, type HeapTyping } from './heap-typing.js';
import { holdsValues, isClosureContext, isMapGroupType, isRuntimeRepresentation } from './allocation-fit.js';
import type { ContainerHeaders } from './container-headers.js';
import type { InterfaceWords } from './interface-words.js';
import type { PointerSlot, PointerSlots } from '../binary/pointer-slots.js';
import { isNoscanSpan, minSizeForMallocHeader, ptrSize } from '../arch.js';

/** Lengths and capacities beyond 2^40 are not real. */
const maxLength = 2 ** 40;
/** How deep a judgement follows pointers into objects of the promised shape, and how many it reads. */
const lookupDepth = 2;
const maxLookups = 16;
/** A shape this many types share (a lone pointer, a string) is left alone: no field will single one out. */
const maxCandidates = 64;
/** Objects are read up to this many bytes: all of one with heap bits, the header of any other. */
const maxReadBytes = minSizeForMallocHeader;
/** A wide shape is checked against the bits of this many of an object's first words (8 KiB). */
const maxCheckedWords = 1024;
/** Objects without heap bits smaller than this cannot be map headers or channels worth reading. */
const minContainerSize = 96;
/** What shape inference may consult besides the heap. */
export interface ShapeEvidence {
  /** The types the program can allocate (code-facts.ts). */
  candidates: readonly RuntimeType[];
  shapes: ObjectShapes;
  /** The entry PC of the function containing pc, undefined outside Go code. */
  funcEntry(pc: number): number | undefined;
  /** Whether the function at entry is a closure body (`main.f.func1`, a method value `-fm`). */
  isClosure(entry: number): boolean;
  interfaces: InterfaceWords;
  containers: ContainerHeaders;
  /** The objects to judge (non-zero): those a root reaches and the garbage pointing into them; other garbage is not worth the time. */
  judged: Uint8Array;
}

/** `count` values of `type` laid end to end, as one allocation. */
interface Shape {
  type: RuntimeType;
  count: number;
  /** The pointer slots of one value of type. */
  slots: PointerSlot[];
}

/** One value's pointer bits, one byte per word (1: a pointer), and the last word that is one. */
interface WordMask {
  words: Uint8Array;
  lastPointer: number;
}

/** Whether `bits` (one byte per word) are `mask` repeated `count` times, then zeros. */
function repeats(mask: Uint8Array, count: number, bits: Uint8Array): boolean {
  const end = count * mask.length;
  for (let w = 0, m = 0; w < bits.length; w++, m = m + 1 === mask.length ? 0 : m + 1) {
    if (bits[w] !== (w < end ? mask[m] : 0)) return false;
  }
  return true;
}

/** A wide shape: values of `type` over more than 512 bytes, in multiples of one of `units`; the object's bits tell how many. */
interface WideShape {
  type: RuntimeType;
  units: readonly number[];
  slots: PointerSlot[];
}

/**
 * Types objects nothing typed points to, from what the heap keeps of their type: a small pointerful
 * object (≤ 512 bytes) has one heap bit per word, written from its type's pointer mask repeated over
 * the bytes asked for, in a slot of the size class that holds them. Of the types the program
 * allocates, those whose size class and repeated mask give exactly the object's bits are its
 * candidates. A candidate is out when a pointer field holds what its declared type cannot (a slice
 * longer than its capacity, a first interface word that is neither type nor itab, a pointerful
 * value in a noscan object); each field whose target has exactly the heap bits the field's type
 * promises (or that very type), each interface word naming a type and each func value naming a
 * function counts for it, and so do the fields of that target (two levels deep). The object takes
 * the candidate with the most such fields, when one has strictly more than all others; otherwise it
 * stays untyped. A closure is recognized by its first word, the entry of a closure body. Before
 * Go 1.22 larger objects have heap bits too (wide shapes, see wideShapes). Only the objects in
 * `judged` are judged.
 */
export class ShapeInference {
  private readonly index: Map<string, Shape[]>;
  private readonly wideIndex: Map<string, WideShape[]>;
  private readonly keys: TypeShapeKeys;
  private readonly judge: ShapeJudge;
  /** Per object, where its last judgement is in `consulted`; -1 before its first judgement. */
  private readonly judgement: Int32Array;
  /** What each judgement of the last pass consulted (see ConsultLog). */
  private consulted = new ConsultLog();
  private log = new ConsultLog();
  private readonly bytes = Buffer.alloc(maxReadBytes);
  /** Notes an object whose typing the judgement under way reads. */
  private readonly consult = (obj: number): void => this.log.add(obj);

  constructor(
    private readonly mem: AddressSpace,
    private readonly typing: HeapTyping,
    private readonly evidence: ShapeEvidence,
  ) {
    const keys = (this.keys = new TypeShapeKeys(typing.types));
    const units = allocationUnits(evidence.candidates);
    this.index = shapeIndex(units, keys, typing.slots);
    this.wideIndex = evidence.shapes.wide ? wideShapeIndex(units, keys, typing.slots) : new Map();
    this.judge = new ShapeJudge(mem, typing, evidence, keys, this.consult);
    this.judgement = new Int32Array(typing.objects.count).fill(-1);
    typing.trackChanges();
  }

  /**
   * One pass over the untyped objects; returns how many it typed. An object judged before is judged
   * again only when the typing of an object its last judgement consulted has changed since: the
   * same judgement of the same facts would come out the same, so later passes cost what changed,
   * not the whole heap.
   */
  pass(): number {
    const { objects } = this.typing;
    const bytes = this.bytes;
    [this.consulted, this.log] = [this.log, new ConsultLog()];
    let typed = 0;
    for (let obj = 0; obj < objects.count; obj++) {
      if (!this.evidence.judged[obj]) continue;
      const untyped = this.typing.role[obj] === Role.unknown;
      // A bucket map's header, typed runtime.hmap by its malloc site, may still be recognized as its map.
      if (!untyped && !this.evidence.containers.isRuntimeMapHeader(obj)) continue;
      const hasBits = this.evidence.shapes.hasBits(obj);
      const addr = objects.addr[obj]!;
      const size = Math.min(objects.size[obj]!, maxReadBytes);
      if ((!hasBits && size < minContainerSize) || !this.mem.isMapped(addr, size)) continue;
      const key = hasBits ? this.evidence.shapes.key(obj) : undefined;
      const last = this.judgement[obj]!;
      if (last >= 0 && untyped && !this.consulted.changed(last, this.typing)) {
        this.judgement[obj] = this.log.copy(this.consulted, last);
        continue;
      }
      this.judgement[obj] = this.log.begin(obj, this.typing.clock);
      this.mem.readInto(addr, bytes, size);
      const word = (off: number) => (off >= 0 && off + ptrSize <= size ? u64(bytes, off) : 0);
      if (this.evidence.containers.recognize(obj, word, key, this.consult) || (untyped && hasBits && this.inferObject(obj, word, key))) typed++;
    }
    return typed;
  }

  private inferObject(obj: number, word: (off: number) => number, key: string | undefined): boolean {
    const { typing, evidence } = this;
    const first = word(0);
    if (!evidence.shapes.pointerWord(obj, 0) && first !== 0 && evidence.funcEntry(first) === first && evidence.isClosure(first)) {
      return typing.infer(obj, Role.closure, first, 1);
    }
    const shapes = key === undefined ? undefined : this.index.get(key) ?? this.wideShapes(obj, this.wideIndex.get(key));
    const best = shapes && shapes.length <= maxCandidates ? this.bestShape(shapes, word) : undefined;
    if (best) {
      const role = isMapGroupType(best.type) ? Role.mapGroups : best.count > 1 ? Role.array : Role.value;
      return typing.infer(obj, role, best.type, best.count);
    }
    // Ambiguous or unknown: still type what interface values inside it hold.
    const words = typing.objects.size[obj]! / ptrSize;
    for (let w = 0; w + 1 < words; w++) {
      if (!evidence.shapes.pointerWord(obj, w) || !evidence.shapes.pointerWord(obj, w + 1)) continue;
      const dynamic = evidence.interfaces.dynamicType(word(w * ptrSize));
      if (!dynamic) continue;
      const data = word(w * ptrSize + ptrSize);
      this.consult(typing.objects.find(data)); // typing it depends on what the data's object is now
      evidence.interfaces.typeValue(dynamic, data);
    }
    return false;
  }

  /**
   * The wide shapes an object over 512 bytes can take: as many values as its bits reach (the last
   * set bit is the last value's last pointer word), a multiple of a unit, whose allocation takes
   * exactly its slot, and whose mask repeated that often is the object's bits, as far as they are read.
   */
  private wideShapes(obj: number, wide: readonly WideShape[] | undefined): Shape[] | undefined {
    if (!wide) return undefined;
    const { shapes } = this.evidence;
    const extent = shapes.pointerExtent(obj);
    if (extent === 0) return [];
    const bits = new Uint8Array(Math.min(this.typing.objects.size[obj]! / ptrSize, maxCheckedWords));
    for (let w = 0; w < bits.length; w++) bits[w] = shapes.pointerWord(obj, w) ? 1 : 0;
    const fits: Shape[] = [];
    for (const { type, units, slots } of wide) {
      const mask = this.keys.wordMaskOf(type)!;
      const count = (extent - mask.lastPointer - 1) / mask.words.length + 1;
      if (!Number.isInteger(count) || count < 1 || !units.some((u) => count % u === 0)) continue;
      if (!holdsValues(this.typing.objects, obj, type, count) || !repeats(mask.words, count, bits)) continue;
      fits.push({ type, count, slots });
      if (fits.length > maxCandidates) break; // too many to single one out
    }
    return fits;
  }

  /** The one shape that scores strictly best, undefined on a tie or when none fits. */
  private bestShape(shapes: readonly Shape[], word: (off: number) => number): Shape | undefined {
    let best: Shape | undefined;
    let bestScore = -1;
    let tied = false;
    for (const shape of shapes) {
      // Only the first 512 bytes are read: values beyond them have nothing to judge by.
      const judged = Math.min(shape.count, Math.ceil(maxReadBytes / Math.max(shape.type.size, 1)));
      const score = this.judge.judge(judged === shape.count ? shape : { ...shape, count: judged }, word);
      if (score > bestScore) [best, bestScore, tied] = [shape, score, false];
      else if (score === bestScore) tied = true;
    }
    return bestScore >= 0 && !tied ? best : undefined;
  }
}

/** Shape keys of `count` values of a type allocated together (undefined beyond 512 bytes or without pointers). */
class TypeShapeKeys {
  private readonly cache = new Map<string, string | undefined>();
  private readonly pointerWords = new Map<number, number[] | null>();
  private readonly wordMasks = new Map<number, WordMask | null>();
  constructor(private readonly types: RuntimeTypes) {}

  /** The key, cached: the targets of pointers come up again and again while judging. */
  of(type: RuntimeType, count: number): string | undefined {
    if (count * type.size > minSizeForMallocHeader) return undefined;
    const id = `${type.addr}x${count}`;
    if (this.cache.has(id)) return this.cache.get(id);
    const key = this.compute(type, count);
    this.cache.set(id, key);
    return key;
  }

  /** The key of the type's pointer mask repeated over count·size bytes, in the size class that holds them. */
  compute(type: RuntimeType, count: number): string | undefined {
    const dataSize = count * type.size;
    const words = this.pointerWordsOf(type);
    if (!words || dataSize > minSizeForMallocHeader) return undefined;
    const elemWords = type.size / ptrSize;
    let lo = 0;
    let hi = 0;
    for (let e = 0; e < count; e++) {
      for (const w of words) {
        const bit = e * elemWords + w;
        if (bit < 32) lo |= 1 << bit;
        else hi |= 1 << (bit - 32);
      }
    }
    return lo === 0 && hi === 0 ? undefined : shapeKeyOf(sizeClassOf(dataSize)!, lo, hi);
  }

  /** The wide key of values of the type laid end to end over more than 512 bytes: its mask repeated over 64 words. */
  wide(type: RuntimeType): string | undefined {
    const words = this.pointerWordsOf(type);
    if (!words) return undefined;
    const elemWords = type.size / ptrSize;
    let lo = 0;
    let hi = 0;
    for (let e = 0; e * elemWords < 64; e++) {
      for (const w of words) {
        const bit = e * elemWords + w;
        if (bit < 32) lo |= 1 << bit;
        else if (bit < 64) hi |= 1 << (bit - 32);
      }
    }
    return shapeKeyOf(wideSlot, lo, hi);
  }

  /** One value's pointer bits, one byte per word, and its last pointer word; undefined as for pointerWordsOf. */
  wordMaskOf(type: RuntimeType): WordMask | undefined {
    let mask = this.wordMasks.get(type.addr);
    if (mask === undefined) {
      const words = this.pointerWordsOf(type);
      mask = words ? { words: new Uint8Array(type.size / ptrSize), lastPointer: words[words.length - 1]! } : null;
      for (const w of words ?? []) mask!.words[w] = 1;
      this.wordMasks.set(type.addr, mask);
    }
    return mask ?? undefined;
  }

  /** The words of one value that hold pointers; undefined for a type without pointers or mask. */
  private pointerWordsOf(type: RuntimeType): number[] | undefined {
    let words = this.pointerWords.get(type.addr);
    if (words === undefined) {
      const mask = type.ptrBytes > 0 && type.size % ptrSize === 0 ? this.types.maskOf(type) : undefined;
      words = mask ? [] : null;
      for (let w = 0; mask && w < type.ptrBytes / ptrSize; w++) if ((mask[w >> 3]! >> (w & 7)) & 1) words!.push(w);
      this.pointerWords.set(type.addr, words);
    }
    return words ?? undefined;
  }
}

/**
 * The types the candidates allocate values of, each with the counts it allocates them in: [n]T
 * allocated k times over is T allocated n·k times, one shape named by its element.
 */
function allocationUnits(candidates: readonly RuntimeType[]): Map<RuntimeType, number[]> {
  const units = new Map<RuntimeType, Set<number>>();
  for (const candidate of candidates) {
    if (!allocatedAsItself(candidate)) continue;
    const array = candidate.kind === Kind.Array ? candidate.elem() : undefined;
    const type = array && array.size > 0 ? array : candidate;
    const unit = type === candidate ? 1 : candidate.len;
    if (type.size === 0 || type.ptrBytes === 0 || unit < 1) continue;
    const set = units.get(type) ?? new Set<number>();
    set.add(unit);
    units.set(type, set);
  }
  return new Map([...units].map(([type, set]) => [type, [...set]]));
}

/** Every shape an allocation of the candidate types can take in a slot of at most 512 bytes, by key. */
function shapeIndex(units: Map<RuntimeType, number[]>, keys: TypeShapeKeys, slots: PointerSlots): Map<string, Shape[]> {
  const index = new Map<string, Shape[]>();
  for (const [type, unitList] of units) {
    for (let count = 1; count * type.size <= minSizeForMallocHeader; count++) {
      if (!unitList.some((unit) => count % unit === 0)) continue;
      const key = keys.compute(type, count);
      if (key === undefined) continue;
      const list = index.get(key) ?? [];
      list.push({ type, count, slots: slots.of(type) });
      index.set(key, list);
    }
  }
  return index;
}

/** The wide shapes of the candidate types (values over more than 512 bytes), by wide key. */
function wideShapeIndex(units: Map<RuntimeType, number[]>, keys: TypeShapeKeys, slots: PointerSlots): Map<string, WideShape[]> {
  const index = new Map<string, WideShape[]>();
  for (const [type, unitList] of units) {
    if (type.size % ptrSize !== 0) continue;
    const key = keys.wide(type);
    if (key === undefined) continue;
    const list = index.get(key) ?? [];
    list.push({ type, units: unitList, slots: slots.of(type) });
    index.set(key, list);
  }
  return index;
}

/**
 * Closure contexts (`struct { F uintptr; … }`) are told by their first word, and the runtime's own map
 * and channel headers belong to the map or channel type they implement: neither is matched by shape.
 */
function allocatedAsItself(t: RuntimeType): boolean {
  return !isClosureContext(t) && !isRuntimeRepresentation(t);
}

/**
 * Scores a candidate shape of an object by its pointer fields: -1 when one holds what its type
 * cannot, else the number of fields whose target has exactly the shape the field promises.
 */
class ShapeJudge {
  /** Objects the current judgement may still look into. */
  private budget = 0;

  constructor(
    private readonly mem: AddressSpace,
    private readonly typing: HeapTyping,
    private readonly evidence: ShapeEvidence,
    private readonly keys: TypeShapeKeys,
    /** Told of every object whose typing a judgement reads. */
    private readonly consult: (obj: number) => void,
  ) {}

  /** The candidate's score for an object whose words `word` reads. */
  judge(shape: Shape, word: (off: number) => number): number {
    this.budget = maxLookups;
    return this.score(shape, word, lookupDepth);
  }

  private score(shape: Shape, word: (off: number) => number, depth: number): number {
    let score = 0;
    for (let e = 0; e < shape.count; e++) {
      const base = e * shape.type.size;
      for (const slot of shape.slots) {
        const s = this.field(slot, word, base + slot.offset, depth);
        if (s < 0) return -1;
        score += s;
      }
    }
    return score;
  }

  /** -1 or the agreements of one field, whose pointer word is `word(at)`, followed by `word(at + 8)` and `word(at + 16)`. */
  private field(slot: PointerSlot, word: (off: number) => number, at: number, depth: number): number {
    const value = word(at);
    switch (slot.kind) {
      case 'pointer': {
        const elem = slot.type.elem();
        if (!this.canPoint(value, elem)) return -1;
        return elem ? this.agrees(value, elem, 1, depth) : 0;
      }
      case 'string': {
        const len = word(at + ptrSize);
        return len < 0 || len >= maxLength || (len > 0 && !this.holdsBytes(value, len)) ? -1 : 0;
      }
      case 'slice': {
        const [len, cap] = [word(at + ptrSize), word(at + 2 * ptrSize)];
        const elem = slot.type.elem();
        if (len > cap || cap >= maxLength) return -1;
        if (value === 0) return cap === 0 ? 0 : -1;
        if (!elem || !this.canPoint(value, elem) || !this.holdsBytes(value, cap * elem.size)) return -1;
        return cap > 0 ? this.agrees(value, elem, cap, depth) : 0;
      }
      case 'eface':
      case 'iface':
        if (value === 0) return word(at + ptrSize) === 0 ? 0 : -1;
        return this.evidence.interfaces.dynamicType(value) ? 1 : -1;
      case 'map':
      case 'chan':
        return value === 0 || this.startsObject(value) ? 0 : -1;
      case 'func': {
        if (value === 0) return 0;
        if (!this.mem.isMapped(value, ptrSize)) return -1;
        const fn = this.mem.readPtr(value);
        return this.evidence.funcEntry(fn) === fn ? 1 : -1;
      }
      default:
        return 0;
    }
  }

  /**
   * Whether `value` starts an object holding exactly `count` values of t: 0 when it does not tell,
   * -1 when the object has t's shape but cannot be a t, else 1 plus the agreements inside it.
   */
  private agrees(value: number, t: RuntimeType, count: number, depth: number): number {
    const { objects } = this.typing;
    const obj = objects.objectStartingAt(value);
    if (obj < 0) return 0;
    this.consult(obj);
    if (this.typing.role[obj] !== Role.unknown) return this.typing.type[obj] === t.addr ? 1 : 0;
    // A noscan object of the right size says little: many types have no pointers.
    if (t.ptrBytes === 0) return 0;
    const key = this.keys.of(t, count);
    if (key === undefined || key !== this.evidence.shapes.key(obj)) return 0;
    const size = objects.size[obj]!;
    if (depth === 0 || this.budget <= 0 || !this.mem.isMapped(value, size)) return 1;
    this.budget--;
    const bytes = this.mem.read(value, size);
    const inner = this.score({ type: t, count, slots: this.typing.slots.of(t) }, (off) => (off >= 0 && off + ptrSize <= size ? u64(bytes, off) : 0), depth - 1);
    return inner < 0 ? -1 : 1 + inner;
  }

  /** A pointer to t: nil, static memory, or inside a heap object with room for a t (which scans if t has pointers). */
  private canPoint(value: number, t: RuntimeType | undefined): boolean {
    if (value === 0) return true;
    const { objects } = this.typing;
    const obj = objects.find(value);
    if (obj < 0) return this.mem.isMapped(value, 1);
    const start = objects.dataStart(obj);
    if (value < start || (t && value + t.size > objects.addr[obj]! + objects.size[obj]!)) return false;
    return !(t && t.ptrBytes > 0 && this.noscan(obj));
  }

  /** `bytes` bytes from value: static memory, or inside one heap object. */
  private holdsBytes(value: number, bytes: number): boolean {
    const { objects } = this.typing;
    const obj = objects.find(value);
    if (obj < 0) return value !== 0 && this.mem.isMapped(value, 1);
    return value >= objects.dataStart(obj) && value + bytes <= objects.addr[obj]! + objects.size[obj]!;
  }

  private startsObject(value: number): boolean {
    const { objects } = this.typing;
    const obj = objects.find(value);
    return obj >= 0 ? value === objects.dataStart(obj) : this.mem.isMapped(value, 1);
  }

  private noscan(obj: number): boolean {
    const objects = this.typing.objects;
    return isNoscanSpan(objects.spans.spanClass[objects.span[obj]!]!);
  }
}

/** A judgement that reads the typing of more objects than this is judged again on every pass. */
const maxConsults = 256;
/** Entries a pass's log holds at most (128 MiB): beyond, judgements are not recorded but judged again. */
const maxLogLength = 1 << 25;

/**
 * What the judgements of one pass consulted, one record per judged object in one growing array:
 * the typing clock when the judgement began, how many objects it consulted (-1: too many to keep),
 * then those objects. Both bounds keep a damaged or pathological heap from growing it without end.
 */
export class ConsultLog {
  private data = new Int32Array(1024);
  private length = 0;
  /** Where the record being written starts; -1 when none is. */
  private open = -1;

  /** Starts the record of a judgement of `obj` at typing clock `time`; returns where it is, -1 when the log is full. */
  begin(obj: number, time: number): number {
    this.open = -1;
    if (this.length + 2 + maxConsults > maxLogLength) return -1;
    this.open = this.length;
    this.push(time);
    this.push(0);
    this.add(obj); // its own typing too (a runtime.hmap recognized as its map)
    return this.open;
  }

  add(obj: number): void {
    if (obj < 0 || this.open < 0) return;
    if (this.data[this.open + 1]! === maxConsults) {
      this.data[this.open + 1] = -1;
      this.length = this.open + 2;
      this.open = -1;
      return;
    }
    this.push(obj);
    this.data[this.open + 1]!++;
  }

  /** Copies the record at `at` of another log (a judgement that still holds); returns where the copy is, -1 when the log is full. */
  copy(from: ConsultLog, at: number): number {
    this.open = -1;
    const n = 2 + Math.max(0, from.data[at + 1]!);
    if (this.length + n > maxLogLength) return -1;
    const start = this.length;
    for (let i = 0; i < n; i++) this.push(from.data[at + i]!);
    return start;
  }

  /** Whether an object the record at `at` consulted has changed its typing since the judgement. */
  changed(at: number, typing: Pick<HeapTyping, 'changedSince'>): boolean {
    const time = this.data[at]!;
    const count = this.data[at + 1]!;
    if (count < 0) return true;
    for (let i = at + 2; i < at + 2 + count; i++) if (typing.changedSince(this.data[i]!, time)) return true;
    return false;
  }

  private push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new Int32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }
}
