// Outbound user-mode networking in Docker: a Tessera guest in one container
// reaches a service in another by the container's name on a user-defined
// network. Both are the http-server fixture packaged for tessera-spt: "web"
// serves (its entrypoint publishes 0.0.0.0:80), the client runs fetch=web:80:
// the guest asks the gateway's resolver (10.0.2.3), which forwards to the
// container's resolv.conf nameserver, Docker's embedded 127.0.0.11, and then
// connects through a host socket in the container's namespace to web's
// address. dockerd runs without iptables (test/helpers/engines.ts): the two
// containers are on one bridge, which needs no NAT rules.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { tessera } from "../helpers/cli.js";
import { dockerMissing, startDocker, type Docker, type Ran } from "../helpers/engines.js";
import { staticTenderMissing } from "../helpers/package.js";
import { firstMissing, need } from "../helpers/require.js";
import { buildFor, targetMissing } from "../helpers/targets.js";

const TAG = "tessera-test/http-server:1";
const NETWORK = "tessera-outbound";

const ok = (r: Ran) => {
  expect(r.status, r.stdout + r.stderr).toBe(0);
  return r;
};

describe("docker: a guest reaches another container by its name", () => {
  const why = need(
    "the outbound docker test",
    firstMissing(() => targetMissing("spt"), staticTenderMissing, dockerMissing),
  );
  let docker: Docker;
  let dir = "";

  beforeAll(async () => {
    if (why) return;
    dir = mkdtempSync(join(tmpdir(), "tessera-outbound-docker-"));
    const image = buildFor("test/fixtures/http-server", "spt", dir);
    const archive = join(dir, "http-server.tar");
    const packaged = tessera(["package", image, "-t", TAG, "-o", archive, "--port", "80"]);
    expect(packaged.status, packaged.stderr).toBe(0);
    docker = await startDocker();
    ok(docker.run(["load", "-i", archive]));
    ok(docker.run(["network", "create", NETWORK]));
  }, 300_000);

  afterAll(async () => {
    if (why) return;
    await docker?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  test.skipIf(why !== null)("fetch=web:80 from a second container: resolved by Docker's DNS, answered by web", () => {
    ok(docker.run(["run", "-d", "--name", "web", "--network", NETWORK, TAG]));
    const r = docker.run(["run", "--rm", "--network", NETWORK, TAG, "fetch=web:80"], { timeout: 60_000 });
    const logs = docker.run(["logs", "web"]);
    // web has no /data: a 404 is an answer all the same; then POST /echo comes back.
    expect(r.stdout, r.stderr + logs.stdout + logs.stderr).toContain("fetched 404");
    expect(r.stdout).toContain("ping\nfetched 200 4 bytes sum 430 connections 1\n");
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(logs.stdout + logs.stderr).toContain("http-server: listening on port 80");
  });
});
