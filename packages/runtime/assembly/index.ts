// @tessera/runtime: the event loop, panic and exit, the command line.

export { Args } from "./args";
export { exit, fail } from "./abort";
