// A SYN flood from spoofed addresses, written as Ethernet frames into a TAP
// device bridged with the unikernel's (run inside the test's namespace):
//   node syn-flood.cjs ADDON TAP DST_MAC DST_IP PORT COUNT MS ONLINK_PREFIX
// sends COUNT SYNs to DST_IP:PORT over about MS ms. Every other one comes
// from an off-link address (198.18.0.0/15, the benchmarking range: the reply
// goes to the gateway), the rest from an on-link address ONLINK_PREFIX.x.y
// that nobody holds, so each SYN-ACK needs an ARP resolution that never
// completes. Every frame has its own source MAC, port and sequence number. It
// prints {"sent":N,"ms":T} when done. ADDON is the Node tender's native helper
// (openTap); the TAP device must already exist in this namespace.
const fs = require("node:fs");

const [addon, tap, dstMacText, dstIpText, portText, countText, msText, onlinkText] = process.argv.slice(2);
const native = { exports: {} };
process.dlopen(native, addon);
const fd = native.exports.openTap(tap);

const dstMac = Buffer.from(dstMacText.split(":").map((h) => parseInt(h, 16)));
const ip = (text) => text.split(".").reduce((a, b) => ((a << 8) | Number(b)) >>> 0, 0);
const dstIp = ip(dstIpText);
const onlink = ip(`${onlinkText}.0.0`);
const port = Number(portText);
const count = Number(countText);
const ms = Number(msText);

function checksum(buf, start, end, initial = 0) {
  let sum = initial;
  for (let i = start; i + 1 < end; i += 2) sum += buf.readUInt16BE(i);
  if ((end - start) & 1) sum += buf[end - 1] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

// One SYN with an MSS option: Ethernet (14) + IPv4 (20) + TCP (24) = 58 bytes.
function syn(i) {
  const f = Buffer.alloc(58);
  const src = i % 2 === 0 ? (0xc6120000 + (i >>> 1)) >>> 0 : (onlink + 256 + ((i >>> 1) % 65000)) >>> 0;
  dstMac.copy(f, 0);
  f.writeUInt16BE(0x0200, 6); // a locally administered source MAC of its own
  f.writeUInt32BE(i, 8);
  f.writeUInt16BE(0x0800, 12);
  // IPv4
  f[14] = 0x45;
  f.writeUInt16BE(44, 16);
  f.writeUInt16BE(i & 0xffff, 18);
  f[22] = 64;
  f[23] = 6;
  f.writeUInt32BE(src, 26);
  f.writeUInt32BE(dstIp, 30);
  f.writeUInt16BE(checksum(f, 14, 34), 24);
  // TCP
  f.writeUInt16BE(1024 + (i % 60000), 34);
  f.writeUInt16BE(port, 36);
  f.writeUInt32BE((i * 2654435761) >>> 0, 38);
  f[46] = 6 << 4; // 24-byte header
  f[47] = 0x02; // SYN
  f.writeUInt16BE(64240, 48);
  f[54] = 2; // MSS 1460
  f[55] = 4;
  f.writeUInt16BE(1460, 56);
  const pseudo = (src >>> 16) + (src & 0xffff) + (dstIp >>> 16) + (dstIp & 0xffff) + 6 + 24;
  f.writeUInt16BE(checksum(f, 34, 58, pseudo), 50);
  return f;
}

const start = Date.now();
let sent = 0;
(async () => {
  const batch = 50;
  for (let i = 0; i < count; i += batch) {
    for (let j = i; j < Math.min(count, i + batch); j++) {
      fs.writeSync(fd, syn(j));
      sent++;
    }
    const due = start + (ms * Math.min(count, i + batch)) / count;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  console.log(JSON.stringify({ sent, ms: Date.now() - start }));
})();
