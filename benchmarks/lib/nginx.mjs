// nginx as the benchmarks' Linux peer serving examples/http's site: one
// worker, logs off, tuned for small files. Without a master process, so that
// killing the process at exit ends it (a killed master leaves its worker
// running).
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { root } from "./testbed.mjs";

/** The nginx binary (Debian's nginx-light puts it in /usr/sbin). */
export const nginxBin = existsSync("/usr/sbin/nginx") ? "/usr/sbin/nginx" : "nginx";

/**
 * Writes an nginx.conf serving examples/http/site with `listen` (e.g. "8080"
 * or "80 backlog=511") and `extra` http-block directives into a new
 * directory; returns the command line that runs it and the config's path.
 */
export function nginxServer(listen, extra = []) {
  const dir = mkdtempSync(`${tmpdir()}/tessera-nginx-`);
  const conf = `${dir}/nginx.conf`;
  writeFileSync(
    conf,
    `worker_processes 1;
master_process off;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events { worker_connections 1024; }
http {
  include /etc/nginx/mime.types;
  access_log off;
  # Tuned for small files: with sendfile and tcp_nopush on, nginx served this
  # site at a quarter of the rate (22k against 88k requests/s here).
  sendfile off;
  open_file_cache max=100;
${extra.map((d) => `  ${d};\n`).join("")}  client_body_temp_path ${dir};
  proxy_temp_path ${dir};
  fastcgi_temp_path ${dir};
  uwsgi_temp_path ${dir};
  scgi_temp_path ${dir};
  server { listen ${listen}; root ${root}examples/http/site; }
}
`,
  );
  return { args: [nginxBin, "-c", conf, "-p", dir], conf };
}
