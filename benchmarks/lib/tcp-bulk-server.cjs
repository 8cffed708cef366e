// The Linux side of benchmarks/tcp-bulk.mjs, with what examples/echo serves:
// discard on port 9 (reads and drops until EOF, then closes) and a source on
// port 19 (sends the byte count asked for in the first line, then closes).
const net = require("node:net");
const chunk = Buffer.alloc(256 * 1024, 0xa5);
net.createServer((s) => s.on("data", () => {}).on("error", () => {})).listen(9);
net
  .createServer((s) => {
    let line = "";
    let remaining = -1;
    const pump = () => {
      while (remaining > 0) {
        const n = Math.min(chunk.length, remaining);
        remaining -= n;
        if (!s.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void s.once("drain", pump);
      }
      s.end();
    };
    s.on("error", () => {});
    s.on("data", (d) => {
      if (remaining >= 0) return;
      line += d.toString("latin1");
      const nl = line.indexOf("\n");
      if (nl < 0) return;
      remaining = Number(line.slice(0, nl));
      pump();
    });
  })
  .listen(19);
