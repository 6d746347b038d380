import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

/**
 * Starts a ClickHouse server for one test file: its own ports and directories under a temp dir, listening on
 * loopback only, stopped (and its directory removed) by `stop`. Debian's clickhouse-server 18.16 is what CI
 * installs; the config written here is the minimum it needs (the packaged one listens on fixed ports and
 * writes under /var).
 */
export interface TestClickHouseServer {
  /** `http://127.0.0.1:<port>`, user `default` without password. */
  readonly url: string;
  /** A user with a password, for tests of what happens to credentials: `user:password`. */
  readonly secretUser: { readonly name: string; readonly password: string };
  stop(): Promise<void>;
}

export const SECRET_USER = { name: "secret_user", password: "pa55-w0rd-Never-Shown" } as const;

/** Why the server cannot run here, or undefined when it can. On CI a missing server fails instead. */
export function clickHouseMissing(): string | undefined {
  if (clickHouseBinary() !== undefined) return undefined;
  const message = "clickhouse-server is not installed (apt-get install clickhouse-server)";
  if (process.env.CI === "true") throw new Error(`${message}; CI installs it, so this is a setup failure`);
  return message;
}

function clickHouseBinary(): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/usr/bin"];
  for (const dir of dirs) {
    if (dir === "") continue;
    const candidate = join(dir, "clickhouse-server");
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function configXml(dir: string, httpPort: number, tcpPort: number): string {
  return `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${dir}/server.log</log><errorlog>${dir}/server.err.log</errorlog><size>10M</size><count>1</count></logger>
  <http_port>${httpPort}</http_port>
  <tcp_port>${tcpPort}</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <user_files_path>${dir}/user_files/</user_files_path>
  <format_schema_path>${dir}/format_schemas/</format_schema_path>
  <users_config>users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>67108864</mark_cache_size>
  <uncompressed_cache_size>67108864</uncompressed_cache_size>
  <max_concurrent_queries>50</max_concurrent_queries>
  <mlock_executable>false</mlock_executable>
</yandex>
`;
}

function usersXml(): string {
  const user = (name: string, password: string): string =>
    `<${name}><password>${password}</password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks>` +
    `<profile>default</profile><quota>default</quota></${name}>`;
  return `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>1000000000</max_memory_usage><max_threads>2</max_threads></default></profiles>
  <users>${user("default", "")}${user(SECRET_USER.name, SECRET_USER.password)}</users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`;
}

export async function startClickHouseServer(): Promise<TestClickHouseServer> {
  const binary = clickHouseBinary();
  if (binary === undefined) throw new Error("clickhouse-server is not installed");
  const dir = await mkdtemp(join(tmpdir(), "clickhouse-test-"));
  const [httpPort, tcpPort] = [await freePort(), await freePort()];
  await writeFile(join(dir, "config.xml"), configXml(dir, httpPort, tcpPort));
  await writeFile(join(dir, "users.xml"), usersXml());
  const child = spawn(binary, [`--config-file=${join(dir, "config.xml")}`], {
    cwd: dir,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString("utf8")).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  // A test run that ends without reaching stop (a crash, a timeout) must not leave the server behind.
  const onExit = (): void => void child.kill("SIGKILL");
  process.once("exit", onExit);
  const url = `http://127.0.0.1:${httpPort}`;
  const stop = async (): Promise<void> => {
    process.removeListener("exit", onExit);
    await kill(child, exited);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitForPing(url, exited, 60_000);
  } catch (error) {
    const log = await readFile(join(dir, "server.err.log"), "utf8").catch(() => "");
    await stop();
    throw new Error(`clickhouse-server did not start: ${String(error)}\n${stderr}\n${log.slice(-2000)}`, {
      cause: error,
    });
  }
  return { url, secretUser: SECRET_USER, stop };
}

async function waitForPing(url: string, exited: Promise<number | null>, timeoutMs: number): Promise<void> {
  let dead = false;
  void exited.then(() => (dead = true));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (dead) throw new Error("the server process exited");
    try {
      const response = await fetch(`${url}/ping`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no answer on ${url}/ping within ${timeoutMs} ms`);
}

async function kill(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  await exited;
  clearTimeout(timer);
}
