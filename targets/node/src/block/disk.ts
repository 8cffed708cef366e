// A disk file opened for a guest's block device: its label checked, a lock taken, and whole-block
// reads, writes and flushes with pread, pwrite and fdatasync.
import {
  closeSync,
  fdatasyncSync,
  fstatSync,
  openSync,
  readSync,
  unlinkSync,
  writeSync,
  type BigIntStats,
} from "node:fs";
import { RESULTS } from "@tessera/abi";
import { TenderError } from "../errors.js";
import { readLabel, type DiskLabel } from "./label.js";
import { lockPath, takeLock } from "./lock.js";

/**
 * Opens the Tessera disk `file` for reading (`"r"`) or for reading and writing (`"r+"`) and reads
 * its label: the fd, the label and the file's status. Otherwise the fd is closed and a TenderError
 * says, after `given` (how the user named the disk: `--block storage=disk.img`, or the file), what
 * to do: create the file, give a disk file rather than a directory, or why its label is no disk's.
 */
export function openDisk(
  given: string,
  file: string,
  mode: "r" | "r+",
): { fd: number; label: DiskLabel; stat: BigIntStats } {
  let fd: number;
  try {
    fd = openSync(file, mode);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT")
      throw new TenderError(`${given}: file not found (create it with: tessera disk create ${file} 64M)`);
    if (code === "EISDIR") throw new TenderError(`${given}: is a directory; give a disk file`);
    if (mode === "r+" && (code === "EACCES" || code === "EROFS"))
      throw new TenderError(`${given}: cannot open it for reading and writing (${code})`);
    throw new TenderError(`${given}: ${(e as Error).message}`);
  }
  try {
    const st = fstatSync(fd, { bigint: true });
    if (!st.isFile()) throw new TenderError(`${given}: not a regular file; give a disk file`);
    const label = readLabel(fd, st.size);
    if (typeof label === "string") throw new TenderError(`${given}: ${label}`);
    return { fd, label, stat: st };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/** A Tessera disk file open for one block device of a running guest. */
export class Disk {
  private failed = false;

  private constructor(
    /** How the device was given, for messages: `--block storage=disk.img`. */
    readonly given: string,
    private readonly fd: number,
    private readonly lock: string,
    readonly label: DiskLabel,
    private readonly report: (message: string) => void,
  ) {}

  /** The unit of every read and write, in bytes. */
  get blockSize(): number {
    return this.label.blockSize;
  }

  /** Bytes of blocks the guest sees. */
  get capacity(): bigint {
    return this.label.capacity;
  }

  /**
   * Opens `file` for block device `name`: it must be a Tessera disk (`tessera
   * disk create`) that no other running tender has open. Throws a TenderError
   * that says what to do otherwise. `report` receives I/O errors met later.
   */
  static open(name: string, file: string, report: (message: string) => void): Disk {
    const given = `--block ${name}=${file}`;
    const { fd, label } = openDisk(given, file, "r+");
    const refused = takeLock(file);
    if (refused) {
      closeSync(fd);
      throw new TenderError(`${given}: ${refused}`);
    }
    return new Disk(given, fd, lockPath(file), label, report);
  }

  /** Whether `len` bytes at `offset` are whole blocks inside the capacity (the ABI's rule). */
  fits(offset: bigint, len: number): boolean {
    const bs = this.label.blockSize;
    return (
      offset >= 0n &&
      offset % BigInt(bs) === 0n &&
      len >= bs &&
      len % bs === 0 &&
      offset + BigInt(len) <= this.label.capacity
    );
  }

  /** Reads whole blocks at `offset` into `into` (pread); an ABI result. */
  read(offset: bigint, into: Uint8Array): number {
    if (!this.fits(offset, into.length)) return RESULTS.EINVAL;
    return this.io("read", () => {
      for (let done = 0; done < into.length;) {
        const n = readSync(this.fd, into, done, into.length - done, offset + BigInt(done));
        if (n === 0) throw new Error("unexpected end of file");
        done += n;
      }
    });
  }

  /** Writes whole blocks from `from` at `offset` (pwrite); an ABI result. */
  write(offset: bigint, from: Uint8Array): number {
    if (!this.fits(offset, from.length)) return RESULTS.EINVAL;
    return this.io("write", () => {
      for (let done = 0; done < from.length;)
        done += writeSync(this.fd, from, done, from.length - done, Number(offset) + done);
    });
  }

  /**
   * Makes every completed write durable (fdatasync); an ABI result. Once a
   * write or flush has failed, every later flush fails too: the kernel may
   * have dropped the unwritten pages, and a flush that then succeeded would
   * claim durability for data that is gone.
   */
  flush(): number {
    if (this.failed) return RESULTS.EUNSPEC;
    return this.io("flush", () => fdatasyncSync(this.fd));
  }

  /** Closes the file and removes the lock. */
  close(): void {
    closeSync(this.fd);
    try {
      unlinkSync(this.lock);
    } catch {
      // already gone
    }
  }

  // Runs an I/O step; a host error becomes EUNSPEC for the guest and one line on stderr.
  private io(what: string, step: () => void): number {
    try {
      step();
      return RESULTS.OK;
    } catch (e) {
      if (!this.failed) this.report(`tessera: ${this.given}: ${what} failed: ${(e as Error).message}`);
      this.failed = true;
      return RESULTS.EUNSPEC;
    }
  }
}
