import type { AddressSpace } from '../../core/address-space.js';
import { u64 } from '../../util/bytes.js';
import { Kind } from '../layout/abi-layout.js';
import { type ObjectShapes, shapeKeyOf } from '../heap/object-shapes.js';
import { sizeClassOf } from '../heap/size-classes.js';
import type { RuntimeType, RuntimeTypes } from '../binary/runtime-types.js';
import { Role, type HeapTyping } from './heap-typing.js';
import { isClosureContext, isMapGroupType, isRuntimeRepresentation } from './allocation-fit.js';
import type { ContainerHeaders } from './container-headers.js';
import type { InterfaceWords } from './interface-words.js';
import type { PointerSlot, PointerSlots } from '../binary/pointer-slots.js';
import type { ObjectEdges } from '../heap/heap-objects.js';
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
/** Objects without heap bits smaller than this cannot be map headers or channels worth reading. */
const minContainerSize = 96;
/**
 * How far from an object its judgement consults typing: the object itself, and through its pointer
 * words the objects agreement looks into (lookupDepth levels), whose own pointers' targets it asks
 * the type of. Map headers look three pointers away too (header → directory → table → groups),
 * through words that need not be pointer words of a damaged heap, so they are judged on every pass.
 */
const judgedDepth = lookupDepth + 1;
/** A neighbourhood larger than this is judged again instead of checked for changes. */
const maxNeighbourhood = 1024;

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
}

/** `count` values of `type` laid end to end, as one allocation. */
interface Shape {
  type: RuntimeType;
  count: number;
  /** The pointer slots of one value of type. */
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
 * stays untyped. A closure is recognized by its first word, the entry of a closure body.
 */
export class ShapeInference {
  private readonly index: Map<string, Shape[]>;
  private readonly judge: ShapeJudge;
  /** Per object, the typing clock when it was last judged; -1 before its first judgement. */
  private readonly judgedAt: Int32Array;
  private readonly bytes = Buffer.alloc(maxReadBytes);
  private readonly level = new Int32Array(maxNeighbourhood);
  private readonly nextLevel = new Int32Array(maxNeighbourhood);

  constructor(
    private readonly mem: AddressSpace,
    private readonly typing: HeapTyping,
    private readonly evidence: ShapeEvidence,
    /** The heap's pointers, to tell which objects a judgement consults. */
    private readonly edges: ObjectEdges,
  ) {
    const keys = new TypeShapeKeys(typing.types);
    this.index = shapeIndex(evidence.candidates, keys, typing.slots);
    this.judge = new ShapeJudge(mem, typing, evidence, keys);
    this.judgedAt = new Int32Array(typing.objects.count).fill(-1);
    typing.trackChanges();
  }

  /**
   * One pass over the untyped objects; returns how many it typed. An object judged before is judged
   * again only when the typing its judgement consults has changed since: the same judgement of the
   * same facts would come out the same, so later passes cost what changed, not the whole heap.
   */
  pass(): number {
    const { objects } = this.typing;
    const bytes = this.bytes;
    let typed = 0;
    for (let obj = 0; obj < objects.count; obj++) {
      const untyped = this.typing.role[obj] === Role.unknown;
      // A bucket map's header, typed runtime.hmap by its malloc site, may still be recognized as its map.
      if (!untyped && !this.evidence.containers.isRuntimeMapHeader(obj)) continue;
      const hasBits = this.evidence.shapes.hasBits(obj);
      const addr = objects.addr[obj]!;
      const size = Math.min(objects.size[obj]!, maxReadBytes);
      if ((!hasBits && size < minContainerSize) || !this.mem.isMapped(addr, size)) continue;
      const key = hasBits ? this.evidence.shapes.key(obj) : undefined;
      const judged = this.judgedAt[obj]!;
      if (judged >= 0 && untyped && !this.evidence.containers.isMapHeaderShape(key) && !this.consultedChanged(obj, judged)) continue;
      this.judgedAt[obj] = this.typing.clock;
      this.mem.readInto(addr, bytes, size);
      const word = (off: number) => (off >= 0 && off + ptrSize <= size ? u64(bytes, off) : 0);
      if (this.evidence.containers.recognize(obj, word, key) || (untyped && hasBits && this.inferObject(obj, word, key))) typed++;
    }
    return typed;
  }

  /** Whether the typing of an object or of what lies within judgedDepth pointers of it changed after `time`. */
  private consultedChanged(obj: number, time: number): boolean {
    const { edgeStart, edgeTarget } = this.edges;
    let level = this.level;
    let next = this.nextLevel;
    level[0] = obj;
    let count = 1;
    let seen = 1;
    for (let depth = 0; ; depth++) {
      for (let i = 0; i < count; i++) if (this.typing.changedSince(level[i]!, time)) return true;
      if (depth === judgedDepth) return false;
      let nextCount = 0;
      for (let i = 0; i < count; i++) {
        const o = level[i]!;
        for (let e = edgeStart[o]!; e < edgeStart[o + 1]!; e++) {
          if (seen++ >= maxNeighbourhood) return true;
          next[nextCount++] = edgeTarget[e]!;
        }
      }
      [level, next] = [next, level];
      count = nextCount;
    }
  }

  private inferObject(obj: number, word: (off: number) => number, key: string | undefined): boolean {
    const { typing, evidence } = this;
    const first = word(0);
    if (!evidence.shapes.pointerWord(obj, 0) && first !== 0 && evidence.funcEntry(first) === first && evidence.isClosure(first)) {
      return typing.infer(obj, Role.closure, first, 1);
    }
    const shapes = key !== undefined ? this.index.get(key) : undefined;
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
      if (dynamic) evidence.interfaces.typeValue(dynamic, word(w * ptrSize + ptrSize));
    }
    return false;
  }

  /** The one shape that scores strictly best, undefined on a tie or when none fits. */
  private bestShape(shapes: readonly Shape[], word: (off: number) => number): Shape | undefined {
    let best: Shape | undefined;
    let bestScore = -1;
    let tied = false;
    for (const shape of shapes) {
      const score = this.judge.judge(shape, word);
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

/** Every shape an allocation of the candidate types can take in a slot with heap bits, by key. */
function shapeIndex(candidates: readonly RuntimeType[], keys: TypeShapeKeys, slots: PointerSlots): Map<string, Shape[]> {
  // [n]T allocated k times over is T allocated n·k times: one shape, named by its element.
  const units = new Map<RuntimeType, Set<number>>();
  for (const candidate of candidates) {
    if (!allocatedAsItself(candidate)) continue;
    const array = candidate.kind === Kind.Array ? candidate.elem() : undefined;
    const type = array && array.size > 0 ? array : candidate;
    const unit = type === candidate ? 1 : candidate.len;
    if (type.size === 0 || type.ptrBytes === 0 || unit < 1 || unit * type.size > minSizeForMallocHeader) continue;
    const set = units.get(type) ?? new Set<number>();
    set.add(unit);
    units.set(type, set);
  }
  const index = new Map<string, Shape[]>();
  for (const [type, typeUnits] of units) {
    const unitList = [...typeUnits];
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
