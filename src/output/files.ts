import * as fs from 'node:fs';
import * as path from 'node:path';

let tempCounter = 0;

/**
 * A temporary name next to `finalPath` (same directory, so rename() is atomic on POSIX), hidden
 * and unique per process: `.summary.csv.tmp-<pid>-<n>`.
 */
export function tempPathFor(finalPath: string): string {
  const dir = path.dirname(finalPath);
  return path.join(dir, `.${path.basename(finalPath)}.tmp-${process.pid}-${tempCounter++}`);
}

/** Writes `content` to `finalPath` atomically: a temp file in the same directory, then rename. */
export function writeFileAtomic(finalPath: string, content: string): void {
  const tmp = tempPathFor(finalPath);
  try {
    fs.writeFileSync(tmp, content);
    fs.renameSync(tmp, finalPath);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** Bytes buffered before a synchronous write. */
const FLUSH_BYTES = 1 << 16;

/**
 * A synchronous, buffered text file writer. Synchronous on purpose: a simulation runs to its end
 * without yielding to the event loop, so an asynchronous stream would hold every row in memory
 * until the job returns; this one keeps at most FLUSH_BYTES.
 *
 * With `atomic` (the default) it writes to a temporary name and commit() renames it to `path`;
 * abort() deletes the temporary file, so a failed job leaves no partial file.
 */
export class SyncTextWriter {
  readonly path: string;
  readonly tempPath: string;
  private fd: number;
  private buf = '';
  private closed = false;

  constructor(finalPath: string, options: { atomic?: boolean } = {}) {
    this.path = finalPath;
    this.tempPath = (options.atomic ?? true) ? tempPathFor(finalPath) : finalPath;
    this.fd = fs.openSync(this.tempPath, 'w');
  }

  write(text: string): void {
    this.buf += text;
    if (this.buf.length >= FLUSH_BYTES) this.flush();
  }

  /** Appends the whole content of another file (streamed in blocks, constant memory). */
  appendFile(source: string): void {
    this.flush();
    const block = Buffer.allocUnsafe(1 << 20);
    const src = fs.openSync(source, 'r');
    try {
      for (;;) {
        const n = fs.readSync(src, block, 0, block.length, null);
        if (n === 0) break;
        fs.writeSync(this.fd, block, 0, n);
      }
    } finally {
      fs.closeSync(src);
    }
  }

  flush(): void {
    if (this.buf.length > 0) {
      fs.writeSync(this.fd, this.buf);
      this.buf = '';
    }
  }

  /** Flushes, closes and renames the file to its final name. */
  commit(): void {
    if (this.closed) throw new Error(`${this.path}: already closed`);
    this.flush();
    fs.closeSync(this.fd);
    this.closed = true;
    if (this.tempPath !== this.path) fs.renameSync(this.tempPath, this.path);
  }

  /** Closes and deletes the file (idempotent, never throws). */
  abort(): void {
    if (!this.closed) {
      this.closed = true;
      try {
        fs.closeSync(this.fd);
      } catch {
        // already closed
      }
    }
    this.buf = '';
    fs.rmSync(this.tempPath, { force: true });
  }
}

/**
 * Why `dir` cannot hold output, or undefined when it can: it must be a writable folder, or not
 * exist yet below a writable folder (it is then created). Checked before any job runs, so a
 * mistyped `--out` costs no simulation.
 */
export function outputFolderProblem(dir: string): string | undefined {
  let cur = path.resolve(dir);
  for (;;) {
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(cur);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // ENOTDIR: a file on the way; the climb finds it and says so.
      if (code !== 'ENOENT' && code !== 'ENOTDIR') {
        return `cannot use ${cur}: ${(err as Error).message}`;
      }
      if (code === 'ENOENT' && isSymlink(cur)) return `${cur} is a broken symbolic link`;
    }
    if (stat !== undefined) {
      if (!stat.isDirectory()) return `${cur} exists and is not a folder`;
      try {
        fs.accessSync(cur, fs.constants.W_OK | fs.constants.X_OK);
      } catch {
        return `${cur} is not writable`;
      }
      return undefined;
    }
    const parent = path.dirname(cur);
    if (parent === cur) return `no existing folder above ${dir}`;
    cur = parent;
  }
}

function isSymlink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}
