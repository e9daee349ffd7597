import type { AddressSpace } from '../../core/address-space.js';
import type { ElfFile } from '../../elf/elf-file.js';
import type { BuildInfo } from './buildinfo.js';
import { Itabs } from './itabs.js';
import { findModuledata, type Moduledata, moduleList } from './moduledata.js';
import { PcLnTab } from './pclntab.js';
import { RuntimeTypes } from './runtime-types.js';
import { checkSupported, experimentEnabled, type GoVersion, type GoVersionSource, goVersion } from './version.js';

export interface GoBinaryOptions {
  /** PIE load bias: runtime address minus the executable's link-time address. */
  loadBias?: number;
  /** The DWARF producer string, when the caller has DWARF (a version source of last resort). */
  dwarfProducer?: string;
}

/**
 * What the Go runtime itself knows about a program, read from its executable: version and build
 * info, moduledata, the function table and the runtime type descriptors. `mem` is the address space
 * to read through: the executable's own image, or a core's memory over it.
 */
export class GoBinary {
  private constructor(
    readonly version: GoVersion,
    readonly versionSource: GoVersionSource,
    readonly buildInfo: BuildInfo | undefined,
    readonly modules: readonly Moduledata[],
    readonly pclntab: PcLnTab,
    readonly types: RuntimeTypes,
    readonly itabs: Itabs,
  ) {}

  static open(elf: ElfFile, mem: AddressSpace, options: GoBinaryOptions = {}): GoBinary {
    const detected = goVersion(elf, mem, options);
    const version = detected.version;
    checkSupported(version);
    const first = findModuledata(elf, mem, version, options.loadBias ?? 0);
    const modules = moduleList(first, mem, version);
    const types = new RuntimeTypes(mem, modules, { version, swissMaps: experimentEnabled(version, 'swissmap') });
    return new GoBinary(
      version, detected.source, detected.buildInfo, modules, new PcLnTab(first, mem), types, new Itabs(mem, types, modules),
    );
  }

  /** The module holding the runtime and main (plugins add more). */
  get moduledata(): Moduledata {
    return this.modules[0]!;
  }

  /** Whether a layout-relevant experiment (greenteagc, swissmap, mapsplitgroup, …) was on in this build. */
  experiment(name: string): boolean {
    return experimentEnabled(this.version, name);
  }
}
