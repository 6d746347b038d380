// A throwaway clickhouse-server on loopback for one benchmark run: its own config, data and logs in a temp
// directory, free ports, stopped (and the directory removed) by `stop`. Debian's clickhouse-server 18.16 is
// enough: the engine talks HTTP only.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const BINARY = "clickhouse-server";

/** Why a local server cannot be started (null when the binary is there). */
export function clickHouseMissing() {
  const which = spawnSync("sh", ["-c", `command -v ${BINARY}`], { encoding: "utf8" });
  return which.status === 0 ? null : `${BINARY} is not installed (apt-get install clickhouse-server)`;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Starts a server and resolves once it answers /ping: `{ url, stop() }`. */
export async function startClickHouse({ timeoutMs = 60_000 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "omicslake-bench-clickhouse-"));
  const [http, tcp] = [await freePort(), await freePort()];
  for (const sub of ["data", "tmp", "user_files", "format_schemas"]) mkdirSync(join(dir, sub));
  writeFileSync(
    join(dir, "config.xml"),
    `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${dir}/server.log</log><errorlog>${dir}/error.log</errorlog><console>0</console></logger>
  <http_port>${http}</http_port>
  <tcp_port>${tcp}</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <user_files_path>${dir}/user_files/</user_files_path>
  <format_schema_path>${dir}/format_schemas/</format_schema_path>
  <users_config>${dir}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>1073741824</mark_cache_size>
</yandex>
`,
  );
  writeFileSync(
    join(dir, "users.xml"),
    `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>8000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`,
  );
  const child = spawn(BINARY, [`--config-file=${join(dir, "config.xml")}`], {
    stdio: "ignore",
    detached: false,
  });
  let exited = null;
  child.once("exit", (code, signal) => (exited = signal ?? code));
  const url = `http://127.0.0.1:${http}`;
  const stop = async () => {
    if (exited === null) {
      const gone = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await gone;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited !== null) {
      await stop();
      throw new Error(`clickhouse-server exited (${exited}) before answering; see its error log`);
    }
    try {
      const res = await fetch(`${url}/ping`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`clickhouse-server did not answer ${url}/ping within ${timeoutMs / 1000} s`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const version = await (await fetch(`${url}/?query=${encodeURIComponent("SELECT version()")}`)).text();
  return { url, version: version.trim(), stop };
}
