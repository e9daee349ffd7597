import type { ElfFile } from '../../elf/elf-file.js';
import { PF_W, PF_X, PT_LOAD } from '../../elf/elf-file.js';
import { readUvarint, type Varint } from '../../util/bytes.js';

/**
 * Build information the Go linker embeds in every executable (cmd/link `buildinfo()`, read back by
 * debug/buildinfo): the toolchain version and the module information `go version -m` prints.
 */
export interface BuildInfo {
  /** `runtime.buildVersion`, experiment suffix included (`go1.26.0-X:nogreenteagc`). */
  goVersion: string;
  /** Import path of the main package; '' when the binary was not built in module mode. */
  path: string;
  main?: GoModule;
  deps: GoModule[];
  /** `build` lines in order: -buildmode, -compiler, -ldflags, CGO_ENABLED, GOARCH, GOEXPERIMENT, vcs.*, … */
  settings: BuildSetting[];
}

export interface GoModule {
  path: string;
  version: string;
  sum: string;
  replace?: GoModule;
}

export interface BuildSetting {
  key: string;
  value: string;
}

const magic = Buffer.from('\xff Go buildinf:', 'latin1');
const headerSize = 32;
const align = 16;
const flagsInlineStrings = 0x2;
/** Version and modinfo strings are short; a larger length means we are not looking at build info. */
const maxStringLength = 1 << 20;
const scanChunk = 1 << 20;

/** The value of a build setting, e.g. setting(info, 'GOEXPERIMENT'). */
export function buildSetting(info: BuildInfo, key: string): string | undefined {
  return info.settings.find((s) => s.key === key)?.value;
}

/**
 * Reads the build info blob: section `.go.buildinfo`, or (when section headers were stripped, as in
 * some repackaged binaries) the first 16-byte-aligned magic in the first writable segment, which is
 * where the linker puts it. Undefined when there is none: not a Go binary, or Go before 1.18.
 */
export function readBuildInfo(elf: ElfFile): BuildInfo | undefined {
  const blob = findBlob(elf);
  if (!blob || blob.length < headerSize + 2 || !blob.subarray(0, magic.length).equals(magic)) return undefined;
  // Before Go 1.18 the header held pointers to the strings; goheapflame does not read those releases.
  if ((blob[magic.length + 1]! & flagsInlineStrings) === 0) return undefined;
  const version = lengthPrefixedString(blob, headerSize);
  if (!version || version.text === '') return undefined;
  const modinfo = lengthPrefixedString(blob, version.next);
  return { goVersion: version.text, ...parseModinfo(modinfo?.text ?? '') };
}

function findBlob(elf: ElfFile): Buffer | undefined {
  const section = elf.section('.go.buildinfo');
  if (section && section.size > 0) return elf.sectionData(section);
  const data = elf.programHeaders.find((p) => p.type === PT_LOAD && (p.flags & (PF_X | PF_W)) === PF_W);
  if (!data || data.filesz === 0) return undefined;
  // Scan in chunks; the magic is 16-byte aligned in memory, so it never straddles an aligned chunk.
  const skew = (align - (data.vaddr % align)) % align;
  for (let off = skew; off < data.filesz; off += scanChunk) {
    const chunk = elf.readChecked(data.offset + off, Math.min(scanChunk, data.filesz - off), 'data segment');
    for (let i = chunk.indexOf(magic); i >= 0; i = chunk.indexOf(magic, i + 1)) {
      if (i % align !== 0) continue;
      const start = data.offset + off + i;
      const avail = data.offset + data.filesz - start;
      return elf.readChecked(start, Math.min(avail, headerSize + 2 * (maxStringLength + 10)), 'build info');
    }
  }
  return undefined;
}

/** A string written as its uvarint length, then its bytes. */
function lengthPrefixedString(buf: Buffer, at: number): { text: string; next: number } | undefined {
  const length: Varint = { value: 0, next: 0 };
  if (readUvarint(buf, at, length) || length.value > maxStringLength || length.next + length.value > buf.length) return undefined;
  const end = length.next + length.value;
  return { text: buf.toString('utf8', length.next, end), next: end };
}

/**
 * Parses the modinfo string (runtime/debug.BuildInfo.String format) between its 16-byte sentinels;
 * lines it does not understand are ignored, as Go's own parser does for unknown line kinds.
 */
export function parseModinfo(framed: string): Omit<BuildInfo, 'goVersion'> {
  const info: Omit<BuildInfo, 'goVersion'> = { path: '', deps: [], settings: [] };
  // cmd/go frames modinfo with 16-byte sentinels ending in '\n' (modload infoStart/infoEnd).
  if (framed.length < 33 || framed[framed.length - 17] !== '\n') return info;
  const text = framed.slice(16, -16);
  let last: GoModule | undefined;
  for (const line of text.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab < 0) continue;
    const kind = line.slice(0, tab);
    const rest = line.slice(tab + 1);
    if (kind === 'path') info.path = rest;
    else if (kind === 'mod' || kind === 'dep') {
      last = moduleLine(rest.split('\t'));
      if (kind === 'mod') info.main = last;
      else info.deps.push(last);
    } else if (kind === '=>' && last) {
      last.replace = moduleLine(rest.split('\t'));
      last = undefined;
    } else if (kind === 'build') {
      const setting = settingLine(rest);
      if (setting) info.settings.push(setting);
    }
  }
  return info;
}

function moduleLine(cols: string[]): GoModule {
  return { path: cols[0] ?? '', version: cols[1] ?? '', sum: cols[2] ?? '' };
}

/** `key=value`, where key and value may be Go-quoted when they contain spaces, quotes or '='. */
function settingLine(kv: string): BuildSetting | undefined {
  let key: string;
  let rawValue: string;
  if (kv[0] === '"' || kv[0] === '`') {
    const quoted = quotedPrefix(kv);
    if (!quoted || kv[quoted.length] !== '=') return undefined;
    key = quoted.value;
    rawValue = kv.slice(quoted.length + 1);
  } else {
    const eq = kv.indexOf('=');
    if (eq <= 0) return undefined;
    key = kv.slice(0, eq);
    rawValue = kv.slice(eq + 1);
  }
  if (rawValue[0] === '"' || rawValue[0] === '`') {
    const quoted = quotedPrefix(rawValue);
    return quoted ? { key, value: quoted.value } : undefined;
  }
  return { key, value: rawValue };
}

const simpleEscapes: Record<string, string> = {
  a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'",
};

/** A Go string literal at the start of s (strconv.QuotedPrefix + Unquote): its value and source length. */
function quotedPrefix(s: string): { value: string; length: number } | undefined {
  if (s[0] === '`') {
    const end = s.indexOf('`', 1);
    return end < 0 ? undefined : { value: s.slice(1, end), length: end + 1 };
  }
  const bytes: number[] = [];
  let i = 1;
  while (i < s.length) {
    const c = s[i];
    if (c === '"') return { value: Buffer.from(bytes).toString('utf8'), length: i + 1 };
    if (c !== '\\') {
      const cp = s.codePointAt(i)!;
      bytes.push(...Buffer.from(String.fromCodePoint(cp), 'utf8'));
      i += cp > 0xffff ? 2 : 1;
      continue;
    }
    const e = s[i + 1];
    // A backslash at the very end escapes nothing.
    if (e === undefined) return undefined;
    if (e in simpleEscapes) {
      bytes.push(simpleEscapes[e]!.charCodeAt(0));
      i += 2;
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const digits = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = s.slice(i + 2, i + 2 + digits);
      const value = hex.length === digits && /^[0-9a-fA-F]+$/.test(hex) ? parseInt(hex, 16) : -1;
      if (value < 0 || value > 0x10ffff) return undefined;
      if (e === 'x') bytes.push(value);
      else bytes.push(...Buffer.from(String.fromCodePoint(value), 'utf8'));
      i += 2 + digits;
    } else if (e >= '0' && e <= '7') {
      const oct = s.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(oct)) return undefined;
      bytes.push(parseInt(oct, 8) & 0xff);
      i += 4;
    } else {
      return undefined;
    }
  }
  return undefined;
}
