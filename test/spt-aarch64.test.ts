// spt-aarch64 (issue 14, item 4): native images and tessera-spt cross-compiled
// for aarch64 with Debian's aarch64-linux-gnu-gcc, run here on x86_64 under
// qemu-user (qemu-aarch64-static), as `tessera run` runs them on this host:
// hello, echo through a TAP device in a namespace this test makes, and kv on a
// disk file with --publish (the gateway's process under qemu-user too).
//
// The seccomp filter. qemu-user 7.2 runs the guest's system calls itself and
// refuses seccomp filters: seccomp() is ENOSYS and prctl(PR_SET_SECCOMP) is
// EINVAL, so under it the aarch64 tender runs WITHOUT its sandbox (tessera run
// tells it so with TESSERA_SPT_EMULATED=1, and both say so on stderr).
// Enforcement on aarch64 is therefore NOT run here. What is tested instead:
//   - the filters' content: each program tessera-spt-aarch64 would install
//     (TESSERA_SPT_FILTER_OUT writes it) is run here by a seccomp-BPF
//     interpreter on aarch64 system calls: the arch check is
//     AUDIT_ARCH_AARCH64; the calls allowed, by name, are the x86_64 tender's,
//     numbered as aarch64's <sys/syscall.h> numbers them; the fd checks name
//     the devices' fds; openat, execve, socket, mprotect ... are killed;
//   - the program is one the real kernel takes: an x86_64 process installs
//     it with seccomp() here and its next system call (an x86_64 one, not
//     aarch64's) kills it with SIGSYS.
// The x86_64 tender's enforcement is tested in test/spt.test.ts.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ROOT, tessera } from "./helpers/cli.js";
import { BackgroundTessera, netnsMissing, TapNamespace } from "./helpers/netns.js";
import { freePort } from "./helpers/ports.js";
import { command, firstMissing, gcc, need, type Missing } from "./helpers/require.js";

const TENDER = join(ROOT, "targets/spt/build/tessera-spt-aarch64");
const X86_TENDER = join(ROOT, "targets/spt/build/tessera-spt");

function aarch64Missing(): Missing {
  if (process.arch !== "x64")
    return `this test runs aarch64 images under qemu-user on x86_64 (this is ${process.arch})`;
  return firstMissing(
    gcc,
    () => command("aarch64-linux-gnu-gcc"),
    () => command("qemu-aarch64-static"),
    () =>
      existsSync(TENDER)
        ? null
        : "targets/spt/build/tessera-spt-aarch64 is not built (apt-get install gcc-aarch64-linux-gnu, then npm run build)",
  );
}

// ---- a seccomp-BPF interpreter (the instructions spt_bpf.c writes) ----

const AUDIT_ARCH_AARCH64 = 0xc00000b7;
const AUDIT_ARCH_X86_64 = 0xc000003e;
const RET_ALLOW = 0x7fff0000;
const RET_KILL_PROCESS = 0x80000000;

interface Insn {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

function readFilter(file: string): Insn[] {
  const b = readFileSync(file);
  expect(b.length % 8).toBe(0);
  return Array.from({ length: b.length / 8 }, (_, i) => ({
    code: b.readUInt16LE(8 * i),
    jt: b[8 * i + 2],
    jf: b[8 * i + 3],
    k: b.readUInt32LE(8 * i + 4),
  }));
}

/** Runs `prog` on struct seccomp_data {nr, arch, ip, args[6]}; returns the action. */
function runFilter(prog: Insn[], nr: number, arch: number, args: number[] = []): number {
  const data = Buffer.alloc(64);
  data.writeUInt32LE(nr, 0);
  data.writeUInt32LE(arch, 4);
  args.forEach((a, i) => data.writeBigUInt64LE(BigInt(a), 16 + 8 * i));
  let a = 0;
  for (let pc = 0, steps = 0; steps < 10_000; steps++) {
    const i = prog[pc];
    if (!i) throw new Error(`the filter runs off its end at ${pc}`);
    switch (i.code) {
      case 0x20: // BPF_LD | BPF_W | BPF_ABS
        if (i.k % 4 !== 0 || i.k + 4 > 64) throw new Error(`bad load at ${pc}`);
        a = data.readUInt32LE(i.k);
        pc++;
        break;
      case 0x05: // BPF_JMP | BPF_JA
        pc += 1 + i.k;
        break;
      case 0x15: // BPF_JMP | BPF_JEQ | BPF_K
        pc += 1 + (a === i.k ? i.jt : i.jf);
        break;
      case 0x35: // BPF_JMP | BPF_JGE | BPF_K
        pc += 1 + (a >>> 0 >= i.k >>> 0 ? i.jt : i.jf);
        break;
      case 0x45: // BPF_JMP | BPF_JSET | BPF_K
        pc += 1 + ((a & i.k) !== 0 ? i.jt : i.jf);
        break;
      case 0x06: // BPF_RET | BPF_K
        return i.k >>> 0;
      default:
        throw new Error(`instruction 0x${i.code.toString(16)} at ${pc}: not one spt_bpf.c writes`);
    }
  }
  throw new Error("the filter does not end");
}

/** `__NR_*` numbers by name, from a compiler's <sys/syscall.h>. */
function syscallNumbers(cc: string): Map<string, number> {
  const r = spawnSync(cc, ["-E", "-dM", "-"], { input: "#include <sys/syscall.h>\n", encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  // Numbers, or other macros' names (aarch64: #define __NR_mmap __NR3264_mmap).
  const defs = new Map<string, string>();
  for (const m of r.stdout.matchAll(/^#define (__NR\w+) (\w+)$/gm)) defs.set(m[1], m[2]);
  const value = (v: string | undefined, depth = 0): number | undefined =>
    v === undefined || depth > 5 ? undefined : /^\d+$/.test(v) ? Number(v) : value(defs.get(v), depth + 1);
  const out = new Map<string, number>();
  for (const [name, v] of defs) {
    const n = value(v);
    if (name.startsWith("__NR_") && n !== undefined) out.set(name.slice("__NR_".length), n);
  }
  return out;
}

/** The number of system call `name` in `numbers`; fails if there is none. */
function nr(numbers: Map<string, number>, name: string): number {
  const n = numbers.get(name);
  if (n === undefined) throw new Error(`no system call ${name} here`);
  return n;
}

const FD_CANDIDATES = Array.from({ length: 64 }, (_, i) => i);

/** What `prog` allows on `arch`: syscall name -> the first arguments (0..63) it allows with, for each call allowed at all. */
function allowed(prog: Insn[], arch: number, numbers: Map<string, number>): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const [name, nr] of numbers) {
    const ok = FD_CANDIDATES.filter((a0) => runFilter(prog, nr, arch, [a0]) === RET_ALLOW);
    if (ok.length) out.set(name, ok);
  }
  return out;
}

const GUEST_CALLS = [
  "clock_gettime",
  "exit_group",
  "fdatasync",
  "getrandom",
  "ppoll",
  "pread64",
  "pwrite64",
  "read",
  "restart_syscall",
  "write",
];
const GATEWAY_CALLS = [
  "accept4",
  "brk",
  "clock_gettime",
  "close",
  "connect",
  "exit_group",
  "getrandom",
  "getsockopt",
  "madvise",
  "mmap",
  "mremap",
  "munmap",
  "ppoll",
  "recvfrom",
  "restart_syscall",
  "sendto",
  "setsockopt",
  "shutdown",
  "socket",
  "write",
];
const ALL = FD_CANDIDATES;

describe("spt-aarch64 under qemu-user", () => {
  const why = need("spt-aarch64 (aarch64 images and tessera-spt-aarch64 under qemu-aarch64-static)", aarch64Missing());
  const dir = mkdtempSync(join(tmpdir(), "tessera-spt-aarch64-"));
  const images: Record<string, string> = {};
  let aarch64: Map<string, number>;
  let x86: Map<string, number>;

  beforeAll(() => {
    if (why) return;
    for (const app of ["hello", "echo", "kv"]) {
      const built = tessera(["build", `examples/${app}`, "--target", "spt-aarch64", "-o", dir]);
      expect(built.status, built.stderr).toBe(0);
      images[app] = join(dir, `${app}.spt-aarch64`);
    }
    aarch64 = syscallNumbers("aarch64-linux-gnu-gcc");
    x86 = syscallNumbers("gcc");
  }, 600_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Processes still running an image of this test's directory (there should be none). */
  function leftovers(): number[] {
    const pids: number[] = [];
    for (const p of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
      try {
        if (readFileSync(`/proc/${p}/cmdline`, "utf8").includes(dir)) pids.push(Number(p));
      } catch {
        /* gone */
      }
    }
    return pids;
  }
  /** Kills (by pid) whatever this test started that is still running, and fails if there was any. */
  function expectNoLeftovers(): void {
    const pids = leftovers();
    for (const pid of pids) spawnSync("kill", ["-9", String(pid)]);
    expect(pids, "processes left running").toEqual([]);
  }

  test.skipIf(why !== null)(
    "the image: an aarch64 ELF for tessera-spt; inspect reads it; the x86_64 tender refuses it",
    () => {
      const elf = readFileSync(images.hello);
      expect(elf.readUInt16LE(18)).toBe(183); // EM_AARCH64
      const inspect = tessera(["inspect", images.hello]);
      expect(inspect.status, inspect.stderr).toBe(0);
      expect(inspect.stdout).toContain("native image for tessera-spt on aarch64 (spt-aarch64)");
      expect(inspect.stdout).toMatch(/assembly\/index\/_start|_start/);
      const r = spawnSync(X86_TENDER, [images.hello], { encoding: "utf8" });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain("this image is for aarch64 and this tessera-spt runs x86_64 images");
    },
  );

  test.skipIf(why !== null)("hello runs under qemu-aarch64-static, says so, and says it has no sandbox there", () => {
    const r = tessera(["run", images.hello, "--", "name=arm", "two"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("Hello from Tessera!\nargs: name=arm two\nwall clock: 20");
    expect(r.stderr).toContain("tessera-spt-aarch64 runs under qemu-aarch64-static");
    expect(r.stderr).toContain("guest process runs WITHOUT its sandbox");
    // Without TESSERA_SPT_EMULATED the tender refuses to run unsandboxed.
    const bare = spawnSync("qemu-aarch64-static", [TENDER, images.hello], {
      encoding: "utf8",
      env: { ...process.env, TESSERA_SPT_EMULATED: "" },
    });
    expect(bare.status).toBe(1);
    expect(bare.stderr).toContain("cannot install the sandbox's seccomp filter: Function not implemented");
    expect(bare.stdout).toBe("");
  });

  describe("echo through a TAP device", () => {
    const noNetns = need("spt-aarch64 echo through TAP", why ?? netnsMissing(["ping", "nc"]));
    let ns: TapNamespace | null = null;
    let echo: BackgroundTessera | null = null;
    beforeAll(async () => {
      if (noNetns) return;
      ns = new TapNamespace(`tessera-a64-${process.pid}`, "tapa64", "10.97.0.1/24");
      echo = new BackgroundTessera(["run", images.echo, "--net", "service=tap:tapa64", "--", "ip=10.97.0.2/24"], {
        netns: ns.name,
      });
      expect(await echo.waitFor(/WITHOUT its sandbox/, 30_000), echo.output).toBe(true);
    }, 120_000);
    afterAll(async () => {
      await echo?.stop();
      ns?.destroy();
      if (!noNetns) expectNoLeftovers();
    });

    test.skipIf(noNetns !== null)(
      "ping, UDP echo and TCP echo (1 MB, byte-identical)",
      () => {
        expect(ns!.waitForPing("10.97.0.2", 30)).toBe(true);
        const udp = ns!.run("nc", ["-u", "-w", "2", "10.97.0.2", "7"], "hello over udp\n");
        expect(udp.stdout.toString()).toBe("hello over udp\n");
        const payload = Buffer.alloc(1 << 20);
        for (let i = 0; i < payload.length; i++) payload[i] = (i * 131 + (i >> 9)) & 0xff;
        const tcp = ns!.run("nc", ["-N", "-w", "10", "10.97.0.2", "7"], payload, 60_000);
        expect(tcp.status).toBe(0);
        expect(Buffer.compare(tcp.stdout, payload)).toBe(0);
      },
      120_000,
    );
  });

  test.skipIf(why !== null)(
    "kv on a disk file with --publish: PUTs answered, read back, and still there after a restart",
    async () => {
      const disk = join(dir, "kv.img");
      expect(tessera(["disk", "create", disk, "16M"]).status).toBe(0);
      const port = await freePort();
      const start = async () => {
        const kv = new BackgroundTessera(["run", images.kv, "--block", `storage=${disk}`, "--publish", `${port}:80`]);
        expect(await kv.waitFor(/serving on port 80/, 30_000), kv.output).toBe(true);
        expect(kv.output).toContain("gateway process runs WITHOUT its sandbox");
        return kv;
      };
      let kv = await start();
      try {
        for (let i = 0; i < 20; i++) {
          const put = await fetch(`http://127.0.0.1:${port}/kv/key${i}`, { method: "PUT", body: `value ${i}` });
          expect(put.status).toBe(201);
        }
        expect(await (await fetch(`http://127.0.0.1:${port}/kv/key7`)).text()).toBe("value 7");
        await kv.stop(5000);
        kv = await start();
        for (const i of [0, 13, 19])
          expect(await (await fetch(`http://127.0.0.1:${port}/kv/key${i}`)).text()).toBe(`value ${i}`);
      } finally {
        await kv.stop(5000);
      }
      expect(existsSync(`${disk}.lock`)).toBe(false);
      expectNoLeftovers();
    },
    180_000,
  );

  describe("the seccomp filters (content: qemu-user refuses seccomp, so enforcement on aarch64 is NOT run here)", () => {
    const filters = join(dir, "filters");
    /**
     * Runs `args` on tessera run with TESSERA_SPT_FILTER_OUT set, to its end or, with `until`, until it prints that;
     * returns the filters it wrote.
     */
    async function dump(name: string, args: string[], until?: RegExp): Promise<Record<string, Insn[]>> {
      const out = join(filters, name);
      mkdirSync(out, { recursive: true });
      const run = new BackgroundTessera(["run", ...args], { env: { TESSERA_SPT_FILTER_OUT: out } });
      if (until) expect(await run.waitFor(until, 30_000), run.output).toBe(true);
      else expect(await run.waitFor(/(?!)/, 30_000)).toBe(false); // to its end
      await run.stop();
      return Object.fromEntries(readdirSync(out).map((f) => [f.replace(/\.bpf$/, ""), readFilter(join(out, f))]));
    }

    test.skipIf(why !== null)(
      "the guest's: aarch64 calls only, the x86_64 tender's calls by name, fds checked, everything else killed",
      async () => {
        const a = (await dump("hello", [images.hello])).guest;
        // The arch check comes first: any other architecture's call is killed, whatever its number.
        for (const nr of [0, 1, 63, 64]) expect(runFilter(a, nr, AUDIT_ARCH_X86_64, [1])).toBe(RET_KILL_PROCESS);
        const got = allowed(a, AUDIT_ARCH_AARCH64, aarch64);
        // No devices: no pread64, pwrite64, fdatasync; read only stdin (open here: /dev/null), write only 1 and 2.
        expect([...got.keys()].sort()).toEqual(
          GUEST_CALLS.filter((c) => !["pread64", "pwrite64", "fdatasync"].includes(c)),
        );
        expect(got.get("write")).toEqual([1, 2]);
        expect(got.get("read")).toEqual([0]);
        for (const c of ["ppoll", "clock_gettime", "getrandom", "exit_group", "restart_syscall"])
          expect(got.get(c)).toEqual(ALL);
        for (const c of [
          "openat",
          "execve",
          "socket",
          "connect",
          "mprotect",
          "mmap",
          "kill",
          "ptrace",
          "clone",
          "unlinkat",
        ])
          expect(runFilter(a, nr(aarch64, c), AUDIT_ARCH_AARCH64, [1]), c).toBe(RET_KILL_PROCESS);
        expect(aarch64.has("open") || aarch64.has("poll"), "aarch64 has no open or poll").toBe(false);

        // The same program from the x86_64 tender, on the x86_64 image: the same calls by name.
        const x86hello = join(dir, "x86");
        const built = tessera(["build", "examples/hello", "--target", "spt", "-o", x86hello]);
        expect(built.status, built.stderr).toBe(0);
        const out = join(filters, "x86");
        mkdirSync(out, { recursive: true });
        const r = spawnSync(X86_TENDER, [join(x86hello, "hello.spt")], {
          env: { ...process.env, TESSERA_SPT_FILTER_OUT: out },
          stdio: ["ignore", "pipe", "pipe"],
        });
        expect(r.status).toBe(0);
        const x = allowed(readFilter(join(out, "guest.bpf")), AUDIT_ARCH_X86_64, x86);
        expect([...x.keys()].sort()).toEqual([...got.keys()].sort());
        for (const [name, fds] of got) expect(x.get(name), name).toEqual(fds);
      },
      120_000,
    );

    test.skipIf(why !== null)(
      "with devices: a disk's fd for pread64/pwrite64/fdatasync, the user network's link for read/write; the gateway's own filter",
      async () => {
        const disk = join(dir, "filters.img");
        expect(tessera(["disk", "create", disk, "16M"]).status).toBe(0);
        const port = await freePort();
        const f = await dump(
          "kv",
          [images.kv, "--block", `storage=${disk}`, "--publish", `${port}:80`],
          /serving on port 80/,
        );
        const g = allowed(f.guest, AUDIT_ARCH_AARCH64, aarch64);
        expect([...g.keys()].sort()).toEqual(GUEST_CALLS);
        const [diskFd] = g.get("pread64")!;
        expect(g.get("pread64")).toEqual([diskFd]);
        expect(g.get("pwrite64")).toEqual([diskFd]);
        expect(g.get("fdatasync")).toEqual([diskFd]);
        const link = g.get("write")!.filter((fd) => fd > 2);
        expect(link).toHaveLength(1);
        expect(link[0]).not.toBe(diskFd);
        expect(g.get("read")!.filter((fd) => fd > 2)).toEqual(link);
        for (const c of ["socket", "connect", "accept4", "openat", "execve"])
          expect(runFilter(f.guest, nr(aarch64, c), AUDIT_ARCH_AARCH64, [2]), c).toBe(RET_KILL_PROCESS);

        const gw = allowed(f.gateway, AUDIT_ARCH_AARCH64, aarch64);
        expect([...gw.keys()].sort()).toEqual(GATEWAY_CALLS);
        expect(gw.get("socket")).toEqual([2]); // AF_INET only
        expect(gw.get("write")).toEqual([2]); // its messages only
        const PROT_EXEC = 4;
        expect(runFilter(f.gateway, nr(aarch64, "mmap"), AUDIT_ARCH_AARCH64, [0, 4096, 3])).toBe(RET_ALLOW);
        expect(runFilter(f.gateway, nr(aarch64, "mmap"), AUDIT_ARCH_AARCH64, [0, 4096, 1 | PROT_EXEC])).toBe(
          RET_KILL_PROCESS,
        );
        for (const c of ["openat", "execve", "bind", "listen", "mprotect", "pread64", "read"])
          expect(runFilter(f.gateway, nr(aarch64, c), AUDIT_ARCH_AARCH64, [3]), c).toBe(RET_KILL_PROCESS);
        for (const nr of [0, 1, 41, 42])
          expect(runFilter(f.gateway, nr, AUDIT_ARCH_X86_64, [2])).toBe(RET_KILL_PROCESS);
      },
      120_000,
    );

    test.skipIf(why !== null)(
      "the real kernel takes the aarch64 program, and an x86_64 process under it dies by SIGSYS at its next call",
      async () => {
        const prog = join(filters, "hello", "guest.bpf");
        expect(existsSync(prog)).toBe(true);
        const src = join(dir, "load-filter.c");
        writeFileSync(
          src,
          [
            "#include <linux/filter.h>",
            "#include <linux/seccomp.h>",
            "#include <stdio.h>",
            "#include <sys/prctl.h>",
            "#include <sys/syscall.h>",
            "#include <unistd.h>",
            "int main(int argc, char **argv) {",
            "  static struct sock_filter insns[4096];",
            '  FILE *f = fopen(argv[1], "rb");',
            "  if (!f || argc != 2) return 2;",
            "  size_t n = fread(insns, sizeof insns[0], 4096, f);",
            "  struct sock_fprog prog = { (unsigned short)n, insns };",
            "  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return 3;",
            '  if (syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) { perror("seccomp"); return 4; }',
            '  write(1, "still here\\n", 11);',
            "  return 0;",
            "}",
            "",
          ].join("\n"),
        );
        const bin = join(dir, "load-filter");
        const cc = spawnSync("gcc", ["-O2", "-o", bin, src], { encoding: "utf8" });
        expect(cc.status, cc.stderr).toBe(0);
        const r = spawnSync(bin, [prog], { encoding: "utf8" });
        expect(r.stderr).toBe("");
        expect(r.signal).toBe("SIGSYS");
        expect(r.stdout).toBe("");
      },
      60_000,
    );

    test.skipIf(why !== null)("no process of this test is left", () => {
      expectNoLeftovers();
    });
  });
});
