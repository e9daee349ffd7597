#!/usr/bin/env node
// Usage: node samples/compact-core.mjs IN-CORE OUT-CORE   (after `npm run build`)
//
// Writes a copy of a Linux ELF core that does not store the all-zero pages of its anonymous
// memory. A PT_LOAD segment whose zero pages lie inside it is split into several PT_LOAD headers,
// each with its data followed by `filesz < memsz`: readers (goheapflame, gdb) treat the bytes past
// p_filesz as zeros. Pages of file-backed mappings (NT_FILE) keep their bytes even when zero,
// because a reader fills the unstored pages of a file mapping from the file, not with zeros. Notes
// and every other non-load segment are copied byte for byte; section headers (a core needs none)
// are left out.
import { closeSync, ftruncateSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { decodeCoreNotes } from '../dist/elf/core-notes.js';
import { ET_CORE, ElfFile, PT_LOAD } from '../dist/elf/elf-file.js';

const PAGE = 4096;
const EHDR_SIZE = 64;
const PHDR_SIZE = 56;
const MAX_PHNUM = 0xfffe; // 0xffff would need the extended numbering of section 0
const CHUNK = 256 * PAGE;
const ZERO_PAGE = Buffer.alloc(PAGE);

function u64(buf, at) {
  return buf.readUInt32LE(at) + buf.readUInt32LE(at + 4) * 0x1_0000_0000;
}

function putU64(buf, at, value) {
  buf.writeBigUInt64LE(BigInt(value), at);
}

const alignUp = (n, to) => Math.ceil(n / to) * to;

/** For each page of a load's stored bytes: true when it must keep its bytes. */
function pagesToKeep(core, load, fileMappings) {
  const pages = Math.ceil(load.filesz / PAGE);
  const keep = new Uint8Array(pages);
  for (let first = 0; first < pages; first += CHUNK / PAGE) {
    const length = Math.min(CHUNK, load.filesz - first * PAGE);
    const chunk = core.readChecked(load.offset + first * PAGE, length, 'loadable segment');
    for (let at = 0; at < length; at += PAGE) {
      const n = Math.min(PAGE, length - at);
      const start = load.vaddr + first * PAGE + at;
      const fileBacked = fileMappings.some((f) => f.start < start + n && start < f.end);
      keep[first + at / PAGE] = fileBacked || !chunk.subarray(at, at + n).equals(ZERO_PAGE.subarray(0, n)) ? 1 : 0;
    }
  }
  return keep;
}

/**
 * The pieces one load becomes: runs of kept pages, each followed by the zero pages after it
 * ({ from, filesz, memsz } relative to the load). Zero pages at the start give a piece with no data.
 */
function splitLoad(load, keep) {
  const pieces = [];
  let piece;
  for (let i = 0; i < keep.length; i++) {
    const from = i * PAGE;
    const n = Math.min(PAGE, load.filesz - from);
    // A kept page after zero pages starts a new piece: a piece's data cannot follow its zeros.
    if (!piece || (keep[i] && piece.memsz > piece.filesz)) pieces.push((piece = { from, filesz: 0, memsz: 0 }));
    if (keep[i]) piece.filesz += n;
    piece.memsz += n;
  }
  if (!piece) pieces.push((piece = { from: 0, filesz: 0, memsz: 0 }));
  piece.memsz += Math.max(0, load.memsz - load.filesz); // what the input already left as zeros
  return pieces;
}

function copyRange(core, fd, from, length, to) {
  for (let done = 0; done < length; done += CHUNK) {
    const n = Math.min(CHUNK, length - done);
    writeSync(fd, core.readChecked(from + done, n, 'segment'), 0, n, to + done);
  }
}

function compactCore(inPath, outPath) {
  if (resolve(inPath) === resolve(outPath)) throw new Error('the output must be a new file, not the input core.');
  const core = ElfFile.open(inPath);
  try {
    if (core.header.type !== ET_CORE) throw new Error(`${inPath} is not a core file (ELF type ${core.header.type}).`);
    const fileMappings = decodeCoreNotes(core.notes()).files;
    const rawHeaders = core.readChecked(core.header.phoff, core.programHeaders.length * PHDR_SIZE, 'program header table');

    // Each output header: the input header it derives from, its bytes' source range, and for
    // pieces of a load the new address and sizes.
    const out = [];
    core.programHeaders.forEach((p, index) => {
      if (p.type !== PT_LOAD) {
        out.push({ index, from: p.offset, filesz: p.filesz, align: Math.max(p.align, 4) });
        return;
      }
      for (const piece of splitLoad(p, pagesToKeep(core, p, fileMappings))) {
        out.push({ index, from: p.offset + piece.from, filesz: piece.filesz, memsz: piece.memsz, shift: piece.from, align: PAGE });
      }
    });
    if (out.length > MAX_PHNUM) throw new Error(`the compacted core would need ${out.length} program headers, more than ${MAX_PHNUM}.`);

    // Layout: ELF header, program headers, non-load segments (notes), then the loads' data.
    let offset = EHDR_SIZE + out.length * PHDR_SIZE;
    for (const h of out.filter((h) => h.memsz === undefined)) {
      h.to = offset = alignUp(offset, h.align);
      offset += h.filesz;
    }
    for (const h of out.filter((h) => h.memsz !== undefined)) {
      h.to = offset = alignUp(offset, PAGE);
      offset += h.filesz;
    }

    const elfHeader = core.readChecked(0, EHDR_SIZE, 'ELF header');
    putU64(elfHeader, 32, EHDR_SIZE); // e_phoff
    putU64(elfHeader, 40, 0); // e_shoff
    elfHeader.writeUInt16LE(out.length, 56); // e_phnum
    elfHeader.writeUInt16LE(0, 60); // e_shnum
    elfHeader.writeUInt16LE(0, 62); // e_shstrndx

    const table = Buffer.alloc(out.length * PHDR_SIZE);
    out.forEach((h, i) => {
      const at = i * PHDR_SIZE;
      rawHeaders.copy(table, at, h.index * PHDR_SIZE, (h.index + 1) * PHDR_SIZE);
      putU64(table, at + 8, h.to);
      if (h.memsz === undefined) return;
      const paddr = u64(table, at + 24);
      putU64(table, at + 16, u64(table, at + 16) + h.shift); // p_vaddr
      if (paddr !== 0) putU64(table, at + 24, paddr + h.shift);
      putU64(table, at + 32, h.filesz);
      putU64(table, at + 40, h.memsz);
    });

    const partial = `${outPath}.partial`;
    const fd = openSync(partial, 'w');
    try {
      writeSync(fd, elfHeader, 0, EHDR_SIZE, 0);
      writeSync(fd, table, 0, table.length, EHDR_SIZE);
      for (const h of out) copyRange(core, fd, h.from, h.filesz, h.to);
      ftruncateSync(fd, offset); // the file ends where the layout does, also after pieces without data
    } catch (err) {
      closeSync(fd);
      rmSync(partial, { force: true });
      throw err;
    }
    closeSync(fd);
    renameSync(partial, outPath);
    const loads = core.programHeaders.filter((p) => p.type === PT_LOAD).length;
    const outLoads = out.filter((h) => h.memsz !== undefined).length;
    console.log(`compacted ${inPath} (${core.size} bytes, ${loads} loads) into ${outPath} (${offset} bytes, ${outLoads} loads)`);
  } finally {
    core.close();
  }
}

const [inPath, outPath] = process.argv.slice(2);
if (!inPath || !outPath || process.argv.length !== 4) {
  console.error('usage: node samples/compact-core.mjs IN-CORE OUT-CORE');
  process.exit(2);
}
try {
  compactCore(inPath, outPath);
} catch (err) {
  console.error(`compact-core: ${err.message}`);
  process.exit(1);
}
