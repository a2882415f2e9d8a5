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
