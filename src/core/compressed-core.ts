import { closeSync, createReadStream, fstatSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { Decompress } from 'fzstd';
import { UserError, fileError } from '../errors.js';
import { openReadable } from '../util/positioned-file.js';
import { makeTempDir, unwritableTemp } from '../util/temp-files.js';

/** How a core file is compressed, told by its first bytes (systemd-coredump names a zstd core `.zst`, people attach `.gz`). */
export type Compression = 'zstd' | 'gzip';

const zstdMagic = 0xfd2fb528;

/** The compression of a file by its magic bytes, not its name; undefined for anything else (a raw core). */
export function compressionOf(path: string): Compression | undefined {
  const { fd } = openReadable(path);
  try {
    const head = Buffer.alloc(4);
    const n = readSync(fd, head, 0, 4, 0);
    if (n === 4 && head.readUInt32LE(0) === zstdMagic) return 'zstd';
    if (n >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
    return undefined;
  } catch (err) {
    throw fileError(err, path) ?? err;
  } finally {
    closeSync(fd);
  }
}

/**
 * Decompresses a core into a sparse file in the temporary directory ($TMPDIR), removed when the
 * process exits: its zero pages (most of a gcore core: the heap's untouched reservations) are left
 * as holes, so a 1.3 GB core of a 26 MiB heap takes about the disk space of its data. Returns the
 * file's path. A stream cut short is a truncated core (read what there is with `force`); one that
 * does not decode is damaged.
 */
export async function decompressCore(path: string, compression: Compression, force: boolean): Promise<string> {
  const dir = makeTempDir();
  const out = join(dir, basename(path).replace(/\.(zst|zstd|gz)$/i, '') || 'core');
  let writer: SparseWriter;
  try {
    writer = new SparseWriter(out);
  } catch (err) {
    throw unwritableTemp(err);
  }
  let inputOffset = 0;
  try {
    if (compression === 'zstd') {
      const decoder = new Decompress((chunk) => writer.write(chunk));
      for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
        inputOffset += chunk.length;
        decoder.push(chunk);
      }
      decoder.push(new Uint8Array(0), true);
    } else {
      const gunzip = createGunzip();
      const input = createReadStream(path, { highWaterMark: 1 << 20 });
      input.on('data', (chunk) => (inputOffset += chunk.length));
      input.on('error', (err) => gunzip.destroy(err));
      for await (const chunk of input.pipe(gunzip) as AsyncIterable<Buffer>) writer.write(chunk);
    }
  } catch (err) {
    if (isWriteError(err)) throw unwritableTemp(err);
    if (!isStreamEnd(err) && !isDamage(err)) throw fileError(err, path) ?? err;
    if (isDamage(err)) {
      throw new UserError('badInputData', `${path} is a ${compression} stream damaged within its first ${inputOffset} bytes, so the core in it cannot be read; copy the core again.`);
    }
    if (!force) {
      throw new UserError('truncatedCore', `${path} is a ${compression} stream cut short after ${inputOffset} bytes (the core in it is incomplete); copy it again, or pass --force to read what there is.`);
    }
  } finally {
    writer.close();
  }
  return out;
}

/** The temporary file could not be written: the disk is full, or read-only. */
function isWriteError(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return code === 'ENOSPC' || code === 'EROFS' || code === 'EDQUOT' || code === 'EFBIG';
}

/** fzstd's UnexpectedEOF, zlib's "unexpected end of file". */
function isStreamEnd(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return code === 5 || code === 'Z_BUF_ERROR';
}

/** fzstd's other error codes (0–4), zlib's data and header errors. */
function isDamage(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return (typeof code === 'number' && code >= 0 && code <= 4) || code === 'Z_DATA_ERROR';
}

/** Writes a file front to back, leaving out (as holes) the blocks that are all zero. */
class SparseWriter {
  private static readonly block = 64 * 1024;
  private static readonly zeros = Buffer.alloc(SparseWriter.block);
  private readonly fd: number;
  private position = 0;

  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }

  write(data: Uint8Array): void {
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    for (let at = 0; at < bytes.length; at += SparseWriter.block) {
      const piece = bytes.subarray(at, at + SparseWriter.block);
      if (!piece.equals(SparseWriter.zeros.subarray(0, piece.length))) writeSync(this.fd, piece, 0, piece.length, this.position);
      this.position += piece.length;
    }
  }

  close(): void {
    // Trailing zeros were skipped: the size comes from the length written, not the last block.
    if (fstatSync(this.fd).size < this.position) ftruncateSync(this.fd, this.position);
    closeSync(this.fd);
  }
}
