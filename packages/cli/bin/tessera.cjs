#!/usr/bin/env node
// The `tessera` command: ../src, compiled to ../dist and bundled into one
// CommonJS file by scripts/bundle.mjs, which is what makes `tessera run` start
// about as fast as `node -e`.
"use strict";
require("../dist/tessera.cjs").main(process.argv.slice(2));
