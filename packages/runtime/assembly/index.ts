// @tessera/runtime: the event loop, panic and exit, the command line.

export { Args } from "./args";
export { exit, fail } from "./abort";
export { Timer, TimerHeap } from "./heap";
export { memoryHeadroom, memoryLimit, memoryRoom } from "./memory";
export { CONSOLE_BIT, Loop, mainLoop, PrepareHandler, ReadyHandler, run } from "./loop";
/** The files embedded in the image at build time. */
export { Assets } from "./assets";
/** How much of the heap is in use (for health checks and leak tests). */
export { heapUsage, HeapUsage } from "./usage";
