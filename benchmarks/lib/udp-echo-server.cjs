// A UDP echo server on Linux (Node.js dgram), the peer the unikernel's echo is
// measured against:   node udp-echo-server.cjs PORT
"use strict";
const socket = require("node:dgram").createSocket("udp4");
socket.on("message", (msg, from) => socket.send(msg, from.port, from.address));
socket.bind(Number(process.argv[2]));
