// resolve: looks up the A records of name= at the DNS server dns= and prints one line per address; exits 0
// when the name has addresses, 1 (after printing why) when the lookup fails.
//
//   tessera run resolve.wasm --net service=tap:tap0 -- ip=10.0.0.2/24 dns=10.0.0.1 name=example.test
//   example.test: 10.0.0.42

import { Args, exit, run, Timer } from "@tessera/runtime/assembly";
import { line } from "@tessera/console/assembly";
import { DnsError, dnsErrorName, DnsHandler, DnsResolver, formatIpv4, Stack } from "@tessera/net/assembly";

const USAGE = "resolve: give the address, the DNS server and the name: ip=10.0.0.2/24 dns=10.0.0.1 name=example.com";

// Prints the outcome and stops the unikernel.
class Print extends DnsHandler {
  resolved(name: string, addresses: StaticArray<u32>, count: i32, ttl: u32): void {
    for (let i = 0; i < count; i++) line.str(name).str(": ").str(formatIpv4(addresses[i])).nl();
    exit(0);
  }

  failed(name: string, reason: DnsError): void {
    line.str(name).str(": ").str(dnsErrorName(reason)).nl();
    exit(1);
  }
}

// Drives the resolver's retries: fires at its deadline, then re-arms for the next one.
class Retries extends Timer {
  constructor(
    readonly stack: Stack,
    readonly resolver: DnsResolver,
  ) {
    super();
  }

  fire(now: i64): void {
    this.resolver.poll(now);
    this.arm();
  }

  arm(): void {
    const at = this.resolver.pollAt();
    if (at != i64.MAX_VALUE) this.stack.loop.at(this, at);
    this.stack.schedule(); // a query may wait in the interface for ARP: let the stack expire it
  }
}

export function _start(): void {
  const stack = Stack.open("service");
  const name = Args.get("name");
  if (name === null || Args.get("ip") === null) {
    line.str(USAGE).nl(); // (without ip= the stack would ask DHCP; this example keeps to ip= and dns=)
    exit(2);
    return;
  }
  const resolver = new DnsResolver(stack.iface);
  if (!resolver.resolve(name, new Print(), stack.loop.now())) return; // Print has said why and exited
  new Retries(stack, resolver).arm();
  run();
}
