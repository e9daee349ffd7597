import type { AddressSpace } from '../../core/address-space.js';
import type { Moduledata } from '../binary/moduledata.js';
import type { PcLnTab } from '../binary/pclntab.js';
import type { RuntimeLayout } from '../layout/runtime-layout.js';
import { type Access, dataReferences } from '../code/code-references.js';
import {
  allfinRule, allgsRule, allmRule, allpRule, fingStatusRule, gcCleanupsRule, judge, mheapRule,
  type StructureContext, type StructureRule, type Verdict,
} from './runtime-structures.js';
import { hex } from '../../util/bytes.js';
import type { FoundBy, FoundGlobals, GlobalName } from './runtime-globals.js';

/** A runtime function that addresses a global RIP-relative (Go 1.22–1.27 runtime sources). */
interface CodeUse {
  fn: string;
  /** The field of the global the code addresses (markroot reads gcCleanups.all), when not the global itself. */
  field?: readonly [struct: string, path: string];
  /** Only operands the code loads as a 64-bit word (a list head), not those whose address it takes. */
  access?: Access;
}

interface GlobalSearch {
  /** What the rule recognizes, for messages: `a heap whose in-use spans …`. */
  what: string;
  /**
   * 'any': every address any of the functions uses is a candidate. 'all': only the addresses all of
   * them use, for globals whose rule cannot tell them from other zero words.
   */
  combine: 'any' | 'all';
  uses: readonly CodeUse[];
  rule: StructureRule;
  /** Scan .bss when the code gives nothing: only for globals whose rule no chance word passes. */
  scanBss: boolean;
  /** Whether the release has this global at all (its layout has the structs the rule reads). */
  exists?: (layout: RuntimeLayout) => boolean;
}

const searches: Record<GlobalName, GlobalSearch> = {
  // &mheap_ is the receiver of mheap_.alloc / allocManual / init.
  mheap: {
    what: 'a heap whose in-use spans are found again through its arena index',
    combine: 'any',
    uses: [{ fn: 'runtime.(*mcentral).grow' }, { fn: 'runtime.(*mcache).allocLarge' }, { fn: 'runtime.stackalloc' }, { fn: 'runtime.mallocinit' }],
    rule: mheapRule,
    scanBss: true,
  },
  allgs: { what: 'a goroutine list with distinct goroutine ids and sane stacks', combine: 'any', uses: [{ fn: 'runtime.allgadd' }, { fn: 'runtime.forEachG' }], rule: allgsRule, scanBss: true },
  allm: { what: "a list of Ms running the core's threads", combine: 'any', uses: [{ fn: 'runtime.mcommoninit' }, { fn: 'runtime.mexit' }], rule: allmRule, scanBss: true },
  allp: { what: 'a list of Ps whose ids are their indexes', combine: 'any', uses: [{ fn: 'runtime.procresize' }, { fn: 'runtime.gcMarkTinyAllocs' }], rule: allpRule, scanBss: true },
  // markroot loads allfin to scan its blocks; queuefinalizer links new blocks into it.
  allfin: {
    what: 'a well-formed list of finalizer blocks',
    combine: 'all',
    uses: [{ fn: 'runtime.markroot', access: 'load64' }, { fn: 'runtime.queuefinalizer', access: 'load64' }],
    rule: allfinRule,
    scanBss: false,
  },
  // freeSpecial calls gcCleanups.enqueue; markroot loads gcCleanups.all; runCleanups (when linked) dequeues.
  gcCleanups: {
    what: 'a cleanup queue with a well-formed list of blocks',
    combine: 'all',
    uses: [{ fn: 'runtime.freeSpecial' }, { fn: 'runtime.markroot', field: ['runtime.cleanupQueue', 'all'], access: 'load64' }, { fn: 'runtime.runCleanups' }],
    rule: gcCleanupsRule,
    scanBss: false,
    exists: (layout) => layout.tryOffset('runtime.cleanupQueue', 'all') !== undefined, // Go 1.25+
  },
  fingStatus: {
    what: 'finalizer goroutine flags',
    combine: 'all',
    uses: [{ fn: 'runtime.isSystemGoroutine' }, { fn: 'runtime.findRunnable' }, { fn: 'runtime.queuefinalizer' }, { fn: 'runtime.finalizercommit' }],
    rule: fingStatusRule,
    scanBss: false,
  },
};

/**
 * Finds the runtime globals of a binary without symbols. Candidates are the addresses that small
 * runtime functions, found by name in pclntab, address RIP-relative; a candidate is taken only when
 * the core's memory there obeys the global's structure rules (runtime-structures.ts). When the code
 * gives no candidate that holds, the globals the rules identify beyond doubt are searched for word by
 * word in .bss. A global is reported missing, with the reason, rather than guessed.
 */
export function findGlobalsInCode(
  mem: AddressSpace, pclntab: PcLnTab, md: Moduledata, layout: RuntimeLayout, threadIds: ReadonlySet<number>,
): FoundGlobals {
  const ctx: StructureContext = { mem, layout, pclntab, threadIds };
  const result: FoundGlobals = { source: 'code', globals: {}, foundBy: {}, missing: {} };
  const inData = (addr: number) => addr >= md.noptrdata && addr < md.end;
  for (const [name, search] of Object.entries(searches) as Array<[GlobalName, GlobalSearch]>) {
    if (search.exists && !search.exists(layout)) continue;
    const verdictOf = (addr: number) => judge(search.rule, ctx, addr);
    const candidates = codeCandidates(mem, pclntab, layout, search);
    let choice = candidates ? choose(candidates.filter(inData), verdictOf) : 'none';
    let foundBy: FoundBy = 'runtime code';
    if (choice === 'none' && search.scanBss) {
      choice = choose(bssWords(md), verdictOf);
      foundBy = '.bss scan';
    }
    if (typeof choice === 'number') {
      result.globals[name] = choice;
      result.foundBy[name] = foundBy;
    } else {
      result.missing[name] = choice === 'none' ? notFound(search, candidates !== undefined) : ambiguous(search, choice);
    }
  }
  return result;
}

/** Addresses the search's runtime functions use; undefined when none of them is in the binary. */
function codeCandidates(mem: AddressSpace, pclntab: PcLnTab, layout: RuntimeLayout, search: GlobalSearch): number[] | undefined {
  const sets = search.uses.flatMap(({ fn, field, access }) => {
    const refs = dataReferences(mem, pclntab, fn, access);
    const delta = field ? layout.offset(field[0], field[1]) : 0;
    return refs ? [new Set([...refs].map((addr) => addr - delta))] : [];
  });
  if (sets.length === 0) return undefined;
  if (search.combine === 'any') return [...new Set(sets.flatMap((s) => [...s]))].sort((a, b) => a - b);
  return [...sets[0]!].filter((addr) => sets.every((s) => s.has(addr))).sort((a, b) => a - b);
}

function notFound(search: GlobalSearch, hadCode: boolean): string {
  const scan = search.scanBss ? (hadCode ? ', nor does any word of .bss' : `, and no word of .bss holds ${search.what}`) : '';
  return hadCode ? `no address the runtime code uses holds ${search.what}${scan}` : `the runtime functions that use it are not in the binary${scan}`;
}

function ambiguous(search: GlobalSearch, choice: { ambiguous: number[]; empty: boolean }): string {
  const where = `${choice.ambiguous.length} addresses (${choice.ambiguous.map(hex).join(', ')})`;
  return choice.empty ? `${where} could hold ${search.what}, all empty, and nothing tells them apart` : `${where} hold ${search.what} and nothing tells them apart`;
}

function* bssWords(md: Moduledata): Generator<number> {
  for (let at = Math.ceil(md.bss / 8) * 8; at + 8 <= md.ebss; at += 8) yield at;
}

/**
 * The one candidate whose memory holds the global. Several that hold lists: the one whose list
 * contains the others' (they point into its middle). None that holds: the one candidate that may be
 * the global and holds nothing (a nil list head).
 */
function choose(candidates: Iterable<number>, verdictOf: (addr: number) => Verdict): number | 'none' | { ambiguous: number[]; empty: boolean } {
  const holding: Array<{ addr: number; nodes?: ReadonlySet<number> }> = [];
  const empty: number[] = [];
  for (const addr of candidates) {
    const v = verdictOf(addr);
    if (v.verdict === 'holds') holding.push({ addr, nodes: v.nodes });
    else if (v.verdict === 'empty') empty.push(addr);
  }
  if (holding.length === 1) return holding[0]!.addr;
  if (holding.length > 1) {
    // A list's first node (sets keep insertion order) must be in the head's list.
    const first = (nodes: ReadonlySet<number>) => nodes.values().next().value!;
    const heads = holding.filter((h) => holding.every((o) => o.nodes !== undefined && h.nodes?.has(first(o.nodes))));
    return heads.length === 1 ? heads[0]!.addr : { ambiguous: holding.map((h) => h.addr), empty: false };
  }
  if (empty.length === 1) return empty[0]!;
  return empty.length > 1 ? { ambiguous: empty, empty: true } : 'none';
}

