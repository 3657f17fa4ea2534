// Durable file writes for the state directory. Synchronous on purpose: the run hands its
// snapshot over between two steps and must not take the next step before it is on disk.
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fsyncSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Temp files are `.<name>.<random>.tmp` next to their target; readers never look at them. */
const TEMP_SUFFIX = '.tmp';

export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
}

export function isTempFile(name: string): boolean {
  return name.startsWith('.') && name.endsWith(TEMP_SUFFIX);
}

/** Flushes a directory entry (a rename or a new file) to disk. Not every platform can open a directory. */
export function fsyncDirSync(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, constants.O_RDONLY);
    fsyncSync(fd);
  } catch {
    // Windows cannot fsync a directory; the rename is still atomic there.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Writes the whole buffer to an open file, looping over short writes. */
export function writeAllSync(fd: number, data: string | Buffer): void {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let off = 0;
  while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
}

/**
 * Replaces `path` with `data` so that a crash at any moment leaves either the old file or
 * the new one, never a mix: temp file in the same directory, write, fsync, rename, fsync dir.
 */
export function writeFileAtomicSync(path: string, data: string): void {
  const temp = tempPathFor(path);
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeAllSync(fd, data);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
  closeSync(fd);
  renameSync(temp, path);
  fsyncDirSync(dirname(path));
}

/** Removes temp files a crash left behind (a torn write is never read, only cleaned). */
export function removeTempFiles(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) if (isTempFile(name)) rmSync(join(dir, name), { force: true });
}
