import { UserError } from '../cli/errors.js';
import { ProcessImage } from '../core/process-image.js';
import { DwarfInfo } from '../dwarf/index.js';
import type { ElfFile } from '../elf/elf-file.js';
import { GoBinary } from './go-binary.js';
import { dwarfLayout, tableLayout, type RuntimeLayout } from './runtime-layout.js';

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
  ) {}

  static open(corePath: string, exePath: string, options: GoProcessOptions = {}): GoProcess {
    const image = ProcessImage.open(corePath, exePath, { force: options.force });
    checkBuildId(image, options.force ?? false);
    const dwarf = loadDwarf(image.exe);
    const binary = GoBinary.open(image.exe, image, { loadBias: image.loadBias, dwarfProducer: dwarf?.goVersion });
    const layout = dwarf ? dwarfLayout(dwarf) : tableLayout(binary.version.minor);
    return new GoProcess(image, binary, layout, findGlobals(image), dwarf);
  }

  /** The binary carries neither DWARF nor a symbol table. */
  get stripped(): boolean {
    return !this.image.exe.section('.debug_info') && this.image.exe.symbols().length === 0;
  }

  /** A runtime global's address, or a clear error naming what is missing. */
  global(name: keyof RuntimeGlobals): number {
    const addr = this.globals[name];
    if (addr === undefined) {
      throw new UserError(
        'unsupported',
        `cannot find ${globalSymbols[name]} in ${this.image.exe.path} (no symbol table); give the unstripped binary.`,
      );
    }
    return addr;
  }

  close(): void {
    this.image.close();
  }
}

function loadDwarf(exe: ElfFile): DwarfInfo | undefined {
  return DwarfInfo.load((name) => (exe.section(name) ? exe.sectionData(name) : undefined));
}

function findGlobals(image: ProcessImage): RuntimeGlobals {
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
