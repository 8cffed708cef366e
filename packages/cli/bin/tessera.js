#!/usr/bin/env node
// The `tessera` command; the code is compiled from ../src into ../dist.
import { main } from "../dist/main.js";
main(process.argv.slice(2));
