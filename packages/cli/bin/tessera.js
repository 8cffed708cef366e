#!/usr/bin/env node
// The `tessera` command: ../src, compiled to ../dist and bundled by scripts/bundle.mjs.
import { main } from "../dist/bundle/main.js";
main(process.argv.slice(2));
