import { type AddressSpace, wordOrZero } from '../../core/address-space.js';
import { Kind } from '../layout/abi-layout.js';
import { shapeKeyOf } from '../heap/object-shapes.js';
import type { RuntimeType } from '../binary/runtime-types.js';
import { sizeClassOf } from '../heap/size-classes.js';
import { isBucketMapHeader } from './allocation-fit.js';
import { Role, type HeapTyping } from './heap-typing.js';
import { ptrSize } from '../arch.js';
import type { SwissMapLayout } from '../layout/container-layout.js';

/** A directory longer than this is not real (each entry is a table of up to 1024 slots). */
const maxDirLen = 1 << 24;
/** Smaller objects are not channels: an hchan has more than 96 bytes. */
const minChanSize = 96;
/** Reflection's ChanDir of a `chan T` made by make(chan T). */
const bothDir = 3;

/**
 * Map headers and channels are allocated as the runtime's own structs (maps.Map, runtime.hmap,
 * hchan), which say little by their shape; what makes them a `map[K]V` or `chan T` is in what they
 * lead to. A map header leads to its groups (swiss) or buckets, whose type belongs to exactly one map
 * type; a channel names its element type in elemtype, and `chan T` is the channel type of that element.
 */
export class ContainerHeaders {
  /** Map types by their group or bucket type. */
  private readonly mapsByGroup = new Map<number, RuntimeType | null>();
  private readonly chansByElem = new Map<number, RuntimeType | null>();
  /** A map header's shape: its size class and its pointers (dirPtr; or buckets, oldbuckets and extra). */
  private readonly mapHeaderShape: string;
  /** runtime.hmap, as a bucket map's header is typed by its malloc site (-1 when the program has none). */
  private readonly hmapType: number;

  constructor(
    private readonly mem: AddressSpace,
    private readonly typing: HeapTyping,
    candidates: readonly RuntimeType[],
  ) {
    const m = typing.containers.map;
    const pointers = m.kind === 'swiss' ? [m.mapDirPtr] : [m.buckets, m.oldbuckets, m.extra];
    this.mapHeaderShape = shapeKeyOf(sizeClassOf(m.mapSize) ?? 0, pointers.reduce((bits, off) => bits | (1 << (off / ptrSize)), 0), 0);
    this.hmapType = candidates.find(isBucketMapHeader)?.addr ?? -1;
    const add = (index: Map<number, RuntimeType | null>, key: number, t: RuntimeType) => index.set(key, index.has(key) && index.get(key)?.addr !== t.addr ? null : t);
    for (const t of candidates) {
      if (t.kind === Kind.Map) {
        const info = t.mapInfo();
        if (info) add(this.mapsByGroup, info.layout === 'swiss' ? info.group : info.bucket, t);
      } else if (t.kind === Kind.Chan && t.chanDir === bothDir) {
        const elem = t.elem();
        if (elem) add(this.chansByElem, elem.addr, t);
      }
    }
  }

  /** Whether an object is a bucket map's header typed only as runtime.hmap, which recognize may still type as its map. */
  isRuntimeMapHeader(obj: number): boolean {
    return this.typing.role[obj] === Role.value && this.typing.type[obj] === this.hmapType;
  }

  /**
   * Types an untyped object (or a runtime.hmap) as a map header or channel when its words say so;
   * `consult` is told of the object whose typing that reads (a map's groups or buckets).
   */
  recognize(obj: number, word: (off: number) => number, shape: string | undefined, consult: (obj: number) => void = () => undefined): boolean {
    const m = this.typing.containers.map;
    if (shape === this.mapHeaderShape) return this.mapHeader(obj, m.kind === 'swiss' ? this.swissGroups(m, word) : word(m.buckets), consult);
    if (this.typing.objects.size[obj]! >= minChanSize) return this.channel(obj, word);
    return false;
  }

  /** Types a map header by the typed array of groups or buckets at `groups`. */
  private mapHeader(obj: number, groups: number, consult: (obj: number) => void): boolean {
    const { objects, role, type } = this.typing;
    const g = objects.objectStartingAt(groups);
    consult(g);
    if (g < 0 || role[g] === Role.unknown) return false;
    const mapType = this.mapsByGroup.get(type[g]!);
    return mapType ? this.typing.infer(obj, Role.mapHeader, mapType, 1) : false;
  }

  /** A swiss map's first groups: its only group, or those of its first table (0 when its directory is not real). */
  private swissGroups(m: SwissMapLayout, word: (off: number) => number): number {
    const dirPtr = word(m.mapDirPtr);
    const dirLen = word(m.mapDirLen);
    if (dirPtr === 0 || dirLen >= maxDirLen || (dirLen & (dirLen - 1)) !== 0) return 0;
    return dirLen === 0 ? dirPtr : this.readPtr(this.readPtr(dirPtr) + m.tableGroups);
  }

  private channel(obj: number, word: (off: number) => number): boolean {
    const elem = this.typing.types.typeAt(word(this.typing.containers.chanElemType));
    const chanType = elem && this.chansByElem.get(elem.addr);
    if (!elem || !chanType) return false;
    const [qcount, dataqsiz, buf, sizes] = [word(0), word(8), word(16), word(24)];
    const closed = Math.floor(sizes / 2 ** 32);
    if (sizes % 0x10000 !== elem.size || closed > 1 || qcount > dataqsiz || dataqsiz >= 2 ** 31) return false;
    const { objects } = this.typing;
    const addr = objects.addr[obj]!;
    // The buffer: none (buf points into the header), after the header, or an object of its own.
    const inside = buf > addr && buf <= addr + objects.size[obj]!;
    if (!inside && objects.objectStartingAt(buf) < 0) return false;
    return this.typing.infer(obj, Role.chan, chanType, 1);
  }

  private readPtr(addr: number): number {
    return addr === 0 ? 0 : wordOrZero(this.mem, addr);
  }
}
