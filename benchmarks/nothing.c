/* nothing.c: a static C program that does nothing, the floor under a process
 * start. benchmarks/native-boot.mjs builds it with gcc -O2 -static and times
 * it beside `tessera-spt hello.spt`. */
int main(void) { return 0; }
