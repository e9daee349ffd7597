import { UserError } from '../../errors.js';
import { ProcessImage } from '../../core/process-image.js';
import { DwarfInfo } from '../../dwarf/index.js';
import type { ElfFile } from '../../elf/elf-file.js';
import { GoBinary } from '../binary/go-binary.js';
import { dwarfLayout, tableLayout, type RuntimeLayout } from '../layout/runtime-layout.js';
import { findStrippedGlobals, type StrippedGlobals } from './globals-from-code.js';

/** Runtime globals the analysis starts from; undefined where the binary does not say (stripped). */
export interface RuntimeGlobals {
  mheap?: number;
  allgs?: number;
  allm?: number;
  allp?: number;
  allfin?: number;
  gcCleanups?: number;
  /** Whether the finalizer goroutine is running a finalizer (it then counts as a user goroutine). */
  fingStatus?: number;
}

const globalSymbols: Record<keyof RuntimeGlobals, string> = {
  mheap: 'runtime.mheap_',
  allgs: 'runtime.allgs',
  allm: 'runtime.allm',
  allp: 'runtime.allp',
  allfin: 'runtime.allfin',
  gcCleanups: 'runtime.gcCleanups',
  fingStatus: 'runtime.fingStatus',
};

export interface GoProcessOptions {
  /** Read a core with a binary whose build ID differs (the user says it is the right one). */
  force?: boolean;
}

/**
 * A Go program as it was when the core was written: the process image, the Go program read through
 * it (version, pclntab, types), the runtime's struct layouts and where its globals are.
 */
export class GoProcess {
  private constructor(
    readonly image: ProcessImage,
    readonly binary: GoBinary,
    readonly layout: RuntimeLayout,
    readonly globals: RuntimeGlobals,
    /** The binary's DWARF, undefined when it was built or stripped without it. */
    readonly dwarf: DwarfInfo | undefined,
    /** How the globals were found without a symbol table; undefined when the binary has one. */
    readonly strippedGlobals: StrippedGlobals | undefined,
  ) {}

  static open(corePath: string, exePath: string, options: GoProcessOptions = {}): GoProcess {
    const image = ProcessImage.open(corePath, exePath, { force: options.force });
    checkBuildId(image, options.force ?? false);
    const dwarf = loadDwarf(image.exe);
    const binary = GoBinary.open(image.exe, image, { loadBias: image.loadBias, dwarfProducer: dwarf?.goVersion });
    const layout = dwarf ? dwarfLayout(dwarf) : tableLayout(binary.version.minor);
    const stripped = image.exe.symbols().length === 0
      ? findStrippedGlobals(image, binary.pclntab, binary.moduledata, layout, new Set(image.threads.map((t) => t.pid)))
      : undefined;
    return new GoProcess(image, binary, layout, stripped?.globals ?? symbolGlobals(image), dwarf, stripped);
  }

  /** The binary carries neither DWARF nor a symbol table. */
  get stripped(): boolean {
    return !this.image.exe.section('.debug_info') && this.image.exe.symbols().length === 0;
  }

  /** A runtime global's address, or a clear error naming what is missing. */
  global(name: keyof RuntimeGlobals): number {
    const addr = this.globals[name];
    if (addr !== undefined) return addr;
    const why = this.strippedGlobals?.missing[name];
    if (why !== undefined) {
      throw new UserError(
        'badInputData',
        `cannot find ${globalSymbols[name]} in this core with the stripped binary ${this.image.exe.path}: ${why}; ` +
          'the core may be damaged or cut short; give the unstripped binary if you have it.',
      );
    }
    throw new UserError(
      'unsupported',
      `cannot find ${globalSymbols[name]} in ${this.image.exe.path} (its symbol table lacks it); give the unstripped binary.`,
    );
  }

  /**
   * What reading this core costs because the binary lacks symbols or DWARF, one line each (for
   * `info`): names and types that are not known, where the runtime layout comes from, and which
   * runtime globals could not be found and what is left out because of it. Empty for a full binary.
   */
  strippedCosts(): string[] {
    const costs: string[] = [];
    if (this.strippedGlobals) {
      costs.push('global variable names unavailable (no symbol table): globals are named by section and offset');
      const { foundBy, missing } = this.strippedGlobals;
      const scanned = Object.entries(foundBy).filter(([, by]) => by === '.bss scan').map(([name]) => globalSymbols[name as keyof RuntimeGlobals]);
      if (scanned.length) costs.push(`runtime globals found by scanning .bss, not from runtime code: ${scanned.join(', ')}`);
      for (const [name, why] of Object.entries(missing) as Array<[keyof RuntimeGlobals, string]>) {
        costs.push(`${globalSymbols[name]} not found (${why}): ${missingGlobalCost[name]}`);
      }
    }
    if (!this.dwarf) {
      costs.push('local variable names unavailable (no DWARF): stack roots are named by function');
      costs.push('types of globals and locals unknown (no DWARF): what they point to is inferred from the heap, the code and object shapes');
      costs.push(`runtime layout from the built-in Go 1.${this.binary.version.minor} table`);
    }
    return costs;
  }

  close(): void {
    this.image.close();
  }
}

function loadDwarf(exe: ElfFile): DwarfInfo | undefined {
  return DwarfInfo.load((name) => (exe.section(name) ? exe.sectionData(name) : undefined));
}

/** What the analysis lacks when a runtime global cannot be found. */
const missingGlobalCost: Record<keyof RuntimeGlobals, string> = {
  mheap: 'the heap cannot be read',
  allgs: 'goroutines cannot be listed',
  allm: 'threads are not matched to goroutines, so running goroutines are not unwound',
  allp: "the Ps' tiny allocation blocks are not counted as roots",
  allfin: 'finalizers queued to run are not counted as roots',
  gcCleanups: 'cleanups queued to run are not counted as roots',
  fingStatus: 'the finalizer goroutine is always listed as a system goroutine',
};

function symbolGlobals(image: ProcessImage): RuntimeGlobals {
  const globals: RuntimeGlobals = {};
  for (const [key, symbol] of Object.entries(globalSymbols) as Array<[keyof RuntimeGlobals, string]>) {
    const sym = image.exe.symbol(symbol);
    if (sym) globals[key] = sym.value + image.loadBias;
  }
  return globals;
}

/** Refuses a binary whose Go build ID differs from the one in the core's memory, unless forced. */
function checkBuildId(image: ProcessImage, force: boolean): void {
  const inCore = image.exeBuildIdInCore();
  const inExe = image.exe.goBuildId();
  if (force || !inCore || !inExe || inCore === inExe) return;
  throw new UserError(
    'binaryMismatch',
    `${image.exe.path} is not the binary that produced this core (Go build ID ${inExe}, the core has ${inCore}); ` +
      'give the exact executable that was running, or pass --force to read it anyway.',
  );
}
