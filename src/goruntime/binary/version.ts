import { UserError } from '../../errors.js';
import type { AddressSpace } from '../../core/address-space.js';
import type { ElfFile } from '../../elf/elf-file.js';
import { type BuildInfo, buildSetting, readBuildInfo } from './buildinfo.js';

/**
 * A Go toolchain version as the linker records it, e.g. `go1.26.8` or `go1.26.0-X:nogreenteagc`.
 * Release candidates and betas (`go1.27rc1`) have patch 0 and a `prerelease` tag.
 */
export interface GoVersion {
  major: number;
  minor: number;
  patch: number;
  prerelease?: string;
  /** The string as found in the binary, experiment suffix included. */
  raw: string;
  /**
   * Experiments that differ from the release's baseline, as the linker appends them to the version
   * (` X:a,nob` up to 1.25, `-X:a,nob` from 1.26): name → enabled.
   */
  experiments: Record<string, boolean>;
}

/** The Go releases whose runtime structures goheapflame reads (linux/amd64). */
export const SUPPORTED = { min: { major: 1, minor: 20 }, max: { major: 1, minor: 27 } } as const;

const versionPattern = /^go(\d+)\.(\d+)(?:\.(\d+))?((?:rc|beta)\d+)?/;

/** Parses a Go version string; undefined when it is not one (e.g. `devel +abc`). */
export function parseGoVersion(raw: string): GoVersion | undefined {
  const text = raw.trim();
  const m = versionPattern.exec(text);
  // Go writes its version in printable ASCII: anything else is damage, not a version.
  if (!m || /[^\x20-\x7e]/.test(text)) return undefined;
  return {
    major: Number(m[1]),
    minor: Number(m[2]),
    patch: m[3] === undefined ? 0 : Number(m[3]),
    ...(m[4] ? { prerelease: m[4] } : {}),
    raw: text,
    experiments: parseExperimentList(/[ -]X:(\S+)/.exec(text.slice(m[0].length))?.[1] ?? ''),
  };
}

/** `a,nob,c` → {a: true, b: false, c: true}. */
export function parseExperimentList(list: string): Record<string, boolean> {
  const experiments: Record<string, boolean> = {};
  for (const item of list.split(',')) {
    const name = item.trim().toLowerCase();
    if (!name) continue;
    if (name.startsWith('no')) experiments[name.slice(2)] = false;
    else experiments[name] = true;
  }
  return experiments;
}

/** Orders versions by major, minor, patch; a prerelease sorts before its release. */
export function compareGoVersions(a: GoVersion, b: GoVersion): number {
  if (a.major !== b.major) return a.major - b.major;
  if (a.minor !== b.minor) return a.minor - b.minor;
  if (a.patch !== b.patch) return a.patch - b.patch;
  if (!!a.prerelease !== !!b.prerelease) return a.prerelease ? -1 : 1;
  return (a.prerelease ?? '').localeCompare(b.prerelease ?? '');
}

/** True when v is go`major`.`minor` or later. */
export function atLeast(v: GoVersion, major: number, minor: number): boolean {
  return v.major > major || (v.major === major && v.minor >= minor);
}

/** `1.26`: the release line whose runtime layout applies. */
export function releaseOf(v: GoVersion): string {
  return `${v.major}.${v.minor}`;
}

/** Throws UserError('unsupported') naming the releases goheapflame reads when v is outside them. */
export function checkSupported(v: GoVersion): void {
  const { min, max } = SUPPORTED;
  // Go 1.22 could still be built without allocation headers: its heap then records pointers in
  // per-arena bitmaps, as 1.20 and 1.21 do, but in a heapArena and mspan of its own that no table here
  // describes; read as headers it would give wrong types and sizes.
  if (v.experiments.allocheaders === false) {
    throw new UserError(
      'unsupported',
      `the binary was built with GOEXPERIMENT=noallocheaders (${v.raw}), whose heap records pointers in per-arena bitmaps ` +
        'instead of allocation headers, which goheapflame reads only in Go 1.20 and 1.21 builds; rebuild it without that experiment.',
    );
  }
  const below = v.major < min.major || (v.major === min.major && v.minor < min.minor);
  const above = v.major > max.major || (v.major === max.major && v.minor > max.minor);
  if (below || above) {
    throw new UserError(
      'unsupported',
      `the binary was built with ${v.raw}; goheapflame reads Go ${min.major}.${min.minor} to ${max.major}.${max.minor} ` +
        `programs, so rebuild it with a Go release in that range or use a goheapflame release that knows ${releaseOf(v)}.`,
    );
  }
}

/**
 * Baseline (default-on) experiments that change runtime data layouts, by the first release that
 * turned them on (internal/buildcfg/exp.go `baseline` of each release). SwissMap stays on after
 * 1.26 deleted the old maps; MapSplitGroup is off in every release so far.
 */
const baselineSince: Record<string, { major: number; minor: number } | undefined> = {
  allocheaders: { major: 1, minor: 22 },
  swissmap: { major: 1, minor: 24 },
  greenteagc: { major: 1, minor: 26 },
  randomizedheapbase64: { major: 1, minor: 26 },
  sizespecializedmalloc: { major: 1, minor: 27 },
  mapsplitgroup: undefined,
};

/**
 * Whether a layout-relevant experiment was on in the build: the experiments the binary records
 * (version suffix, then the GOEXPERIMENT build setting) override the release baseline. From 1.26 the
 * old map implementation no longer exists, so swissmap is on whatever the settings say.
 */
export function experimentEnabled(v: GoVersion, name: string, buildSetting?: Record<string, boolean>): boolean {
  if (name === 'swissmap' && atLeast(v, 1, 26)) return true;
  const explicit = v.experiments[name] ?? buildSetting?.[name];
  if (explicit !== undefined) return explicit;
  const since = baselineSince[name];
  return since !== undefined && atLeast(v, since.major, since.minor);
}

/** Where a binary's Go version was found, best source first. */
export type GoVersionSource = 'buildinfo' | 'runtime.buildVersion' | 'dwarf' | 'sections';

export interface DetectedGoVersion {
  version: GoVersion;
  source: GoVersionSource;
  buildInfo?: BuildInfo;
}

/** runtime.buildVersion is a short string; a longer length means we read the wrong memory. */
const maxVersionLength = 256;

/**
 * The Go version of a binary: build info (`.go.buildinfo`), else the `runtime.buildVersion` string
 * read through `mem` (needs the symbol), else the DWARF producer string the caller read
 * (`Go cmd/compile go1.26.8; regabi`), else sections only some releases emit (`.go.type`: 1.27,
 * `.go.module`: 1.26), which give the release but not the patch level.
 */
export function goVersion(
  elf: ElfFile,
  mem?: AddressSpace,
  options: { dwarfProducer?: string; loadBias?: number } = {},
): DetectedGoVersion {
  const buildInfo = readBuildInfo(elf);
  const fromBuildInfo = buildInfo && parseGoVersion(buildInfo.goVersion);
  if (buildInfo && fromBuildInfo) {
    const setting = parseExperimentList(buildSetting(buildInfo, 'GOEXPERIMENT') ?? '');
    fromBuildInfo.experiments = { ...setting, ...fromBuildInfo.experiments };
    return { version: fromBuildInfo, source: 'buildinfo', buildInfo };
  }
  const sym = elf.symbol('runtime.buildVersion');
  if (sym && mem) {
    const at = sym.value + (options.loadBias ?? 0);
    if (mem.isMapped(at, 16)) {
      const ptr = mem.readPtr(at);
      const len = mem.readU64(at + 8);
      const v = len <= maxVersionLength && mem.isMapped(ptr, len) ? parseGoVersion(mem.read(ptr, len).toString('utf8')) : undefined;
      if (v) return { version: v, source: 'runtime.buildVersion' };
    }
  }
  const producer = options.dwarfProducer && /\bgo\d+\.\d+(?:\.\d+)?(?:(?:rc|beta)\d+)?/.exec(options.dwarfProducer);
  const fromDwarf = producer && parseGoVersion(producer[0]);
  if (fromDwarf) return { version: fromDwarf, source: 'dwarf' };
  const minor = elf.section('.go.type') ? 27 : elf.section('.go.module') ? 26 : undefined;
  if (minor !== undefined) {
    return { version: { major: 1, minor, patch: 0, raw: `go1.${minor} (release guessed from the sections)`, experiments: {} }, source: 'sections' };
  }
  if (elf.section('.gopclntab') || elf.section('.data.rel.ro.gopclntab')) {
    throw new UserError(
      'unsupported',
      `cannot tell which Go release built ${elf.path}: it has no build info, version symbol or DWARF; give the unstripped binary.`,
    );
  }
  throw new UserError('notGo', `${elf.path} is not a Go program (no Go build info or symbol table); give the Go executable that produced the core.`);
}
