import { chmod, rm } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import type { PGlite } from "@electric-sql/pglite";
import { PRIVATE_FILE_MODE } from "../../lake/private-files.js";
import { socketFileIn } from "./socket-location.js";
import {
  CANCEL_REQUEST,
  GSS_REQUEST,
  PROTOCOL_3,
  SSL_REQUEST,
  backendMessage,
  errorResponse,
  int32,
  lastReadyStatus,
  namedTarget,
  parameterStatus,
  renameInMessage,
  startupMessageLength,
  startupParameters,
  typedMessageLength,
} from "./wire-protocol.js";

/** What the socket needs of the process that holds PGlite. */
export interface SharedBackend {
  readonly db: PGlite;
  /**
   * Waits for exclusive use of the one backend, in the same queue as the holder's own queries and
   * transactions, and resolves with the function that gives it back. The holder puts its own session
   * settings (search path) back before its next query after a lease.
   */
  lease(): Promise<() => void>;
}

export interface CatalogSocketServerOptions {
  /**
   * How long a remote client may keep the backend (inside a transaction, or between the messages of
   * one statement) without sending anything. Every other user of the catalog waits meanwhile, so a
   * stuck client is cut off: its transaction is rolled back and it gets a FATAL error.
   */
  readonly idleInTransactionMs?: number;
}

/** Long enough for a catalog transaction that waits on object-store I/O (releasing keys, for example). */
const DEFAULT_IDLE_IN_TRANSACTION_MS = 60_000;

/** Startup parameters that are not settings. */
const NOT_SETTINGS = new Set(["user", "database", "replication", "options"]);

/** Reported to every client at startup, as a server does; `pg` reads none of them but tools do. */
const REPORTED_SETTINGS = [
  "server_version",
  "server_encoding",
  "client_encoding",
  "DateStyle",
  "IntervalStyle",
  "TimeZone",
  "integer_datetimes",
  "standard_conforming_strings",
  "application_name",
] as const;

/**
 * Shares the PGlite backend of the process that holds the catalog with the other omicslake processes
 * of this host, over a Unix socket that only the owner can reach (no TCP port is opened). Clients speak
 * the ordinary PostgreSQL protocol (the `pg` driver). PGlite has one backend, so the socket gives it to
 * one party at a time: a client holds it from its first message until a ReadyForQuery reports the
 * backend idle, so its `BEGIN … COMMIT` is never interleaved with the holder's queries or with another
 * client's. Each party starts its turn from its own session settings, so one client's `SET` never
 * reaches another (and lasts for its own turn only), and statement names are kept apart per client.
 *
 * Why not `@electric-sql/pglite-socket`: it pins an older PGlite as a peer (a second copy of the
 * WebAssembly build), queues only its own socket clients (the holder's in-process queries would run
 * inside a client's transaction), shares prepared statement names and session settings between
 * clients, and has no bound on a transaction left open.
 */
export class CatalogSocketServer {
  readonly socketPath: string;
  readonly #server: Server;
  readonly #sessions: Set<RemoteSession>;
  #closed = false;

  private constructor(server: Server, socketPath: string, sessions: Set<RemoteSession>) {
    this.#server = server;
    this.socketPath = socketPath;
    this.#sessions = sessions;
  }

  /** Listens in `socketDir` (a private directory this process owns while it holds the lock). */
  static async listen(
    backend: SharedBackend,
    socketDir: string,
    options: CatalogSocketServerOptions = {},
  ): Promise<CatalogSocketServer> {
    const socketPath = socketFileIn(socketDir);
    // Only the lock holder gets here, so a socket file already present is a dead holder's.
    await rm(socketPath, { force: true });
    const idleMs = options.idleInTransactionMs ?? DEFAULT_IDLE_IN_TRANSACTION_MS;
    let nextId = 1;
    const sessions = new Set<RemoteSession>();
    const server = createServer((socket) => {
      const session = new RemoteSession(socket, backend, nextId++, idleMs, () => sessions.delete(session));
      sessions.add(session);
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(socketPath, () => {
        server.off("error", reject);
        resolve();
      });
    });
    // The socket lives past a single connection's errors.
    server.on("error", () => undefined);
    // The directory is already private; the socket's own mode keeps it so if the directory is moved.
    await chmod(socketPath, PRIVATE_FILE_MODE);
    return new CatalogSocketServer(server, socketPath, sessions);
  }

  /**
   * Stops accepting clients and ends the connected ones: each gets a FATAL "shutting down" error,
   * its open transaction is rolled back and the backend handed back, before PGlite is closed.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const stopped = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    await Promise.all(
      [...this.#sessions].map((session) =>
        session.shutdown({
          code: "57P01",
          message:
            "the omicslake process that shares the embedded catalog is exiting; run the command again (it then opens the catalog itself)",
        }),
      ),
    );
    await stopped;
    await rm(this.socketPath, { force: true });
  }
}

/** One client connection: its startup, its turns on the backend, and its clean-up. */
class RemoteSession {
  readonly #socket: Socket;
  readonly #backend: SharedBackend;
  readonly #db: PGlite;
  readonly #prefix: string;
  readonly #idleMs: number;
  readonly #onGone: () => void;
  #buffer: Buffer = Buffer.alloc(0);
  #started = false;
  #closed = false;
  #pumping = false;
  #pumpDone: Promise<void> = Promise.resolve();
  #release: (() => void) | undefined;
  /** Messages sent since the last ReadyForQuery: an extended-protocol batch is unfinished. */
  #unsynced = false;
  /** Run when this client takes the backend: back to a clean session with its startup settings. */
  #entrySql = "RESET ALL";
  readonly #statements = new Set<string>();
  #idleTimer: NodeJS.Timeout | undefined;
  #shutdown: Promise<void> | undefined;

  constructor(socket: Socket, backend: SharedBackend, id: number, idleMs: number, onGone: () => void) {
    this.#socket = socket;
    this.#backend = backend;
    this.#db = backend.db;
    this.#prefix = `r${id}_`;
    this.#idleMs = idleMs;
    this.#onGone = onGone;
    socket.on("data", (chunk: Buffer) => {
      this.#clearIdleTimer();
      this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
      this.#pump();
    });
    // A client that disconnects or is killed: roll back whatever it left open and free the backend.
    socket.on("close", () => void this.shutdown());
    socket.on("error", () => void this.shutdown());
  }

  /** Ends the connection (with a FATAL error first when `reason` is given) and cleans up; idempotent. */
  shutdown(reason?: { code: string; message: string }): Promise<void> {
    this.#shutdown ??= (async () => {
      this.#closed = true;
      this.#clearIdleTimer();
      if (reason && this.#socket.writable)
        this.#socket.end(errorResponse("FATAL", reason.code, reason.message));
      else this.#socket.end();
      this.#socket.destroySoon();
      await this.#pumpDone;
      try {
        await this.#cleanUp();
      } catch {
        // Only when the holder is closing PGlite itself: nothing is left to roll back or free.
      } finally {
        this.#onGone();
      }
    })();
    return this.#shutdown;
  }

  #pump(): void {
    if (this.#pumping || this.#closed) return;
    this.#pumping = true;
    this.#pumpDone = (async () => {
      try {
        await this.#drain();
      } catch (error) {
        void this.shutdown({
          code: "08P01",
          message: error instanceof Error ? error.message : String(error),
        });
      } finally {
        this.#pumping = false;
      }
      // Holding the backend with nothing more to run: the client is inside a transaction (or between
      // the messages of one statement), and everybody else waits for it, so its silence is bounded.
      if (this.#release !== undefined && !this.#closed) this.#armIdleTimer();
    })();
  }

  async #drain(): Promise<void> {
    while (!this.#closed) {
      if (!this.#started) {
        const message = this.#nextMessage();
        if (message === undefined) return;
        await this.#handleStartup(message);
        continue;
      }
      // One batch: everything up to and including a Sync or a simple Query, as `pg` writes a statement
      // (Parse, Bind, Describe, Execute, Sync); PGlite takes it in one call.
      const batch: Buffer[] = [];
      for (let message = this.#nextMessage(); message !== undefined; message = this.#nextMessage()) {
        if (message[0] === 0x58 /* X: Terminate */) {
          void this.shutdown();
          return;
        }
        batch.push(message);
        if (message[0] === 0x53 /* S: Sync */ || message[0] === 0x51 /* Q: Query */) break;
      }
      if (batch.length === 0) return;
      await this.#run(batch);
    }
  }

  #nextMessage(): Buffer | undefined {
    const length = this.#started ? typedMessageLength(this.#buffer) : startupMessageLength(this.#buffer);
    if (length === 0) return undefined;
    const message = Buffer.from(this.#buffer.subarray(0, length));
    this.#buffer = this.#buffer.subarray(length);
    return message;
  }

  async #handleStartup(message: Buffer): Promise<void> {
    const code = message.readUInt32BE(4);
    if (code === SSL_REQUEST || code === GSS_REQUEST) {
      // A Unix socket needs no encryption; "N" tells the client to go on in the clear.
      this.#socket.write("N");
      return;
    }
    if (code === CANCEL_REQUEST) {
      // PGlite runs one statement synchronously and cannot be interrupted; nothing to signal.
      void this.shutdown();
      return;
    }
    if (code !== PROTOCOL_3) {
      void this.shutdown({
        code: "0A000",
        message: `unsupported frontend protocol ${code >>> 16}.${code & 0xffff}`,
      });
      return;
    }
    this.#entrySql = entrySql(startupSettings(startupParameters(message)));
    const release = await this.#backend.lease();
    let reported: Record<string, string>;
    try {
      await this.#db.exec(this.#entrySql);
      const { rows } = await this.#db.query<Record<string, string>>(
        `SELECT ${REPORTED_SETTINGS.map((name, i) => `current_setting('${name}') AS s${i}`).join(", ")}`,
      );
      reported = rows[0] ?? {};
    } catch (error) {
      // A setting the backend refuses (unknown name, bad value) fails the connection, as on a server.
      void this.shutdown({ code: "22023", message: error instanceof Error ? error.message : String(error) });
      return;
    } finally {
      release();
    }
    this.#started = true;
    this.#socket.write(
      Buffer.concat([
        backendMessage("R", int32(0)),
        ...REPORTED_SETTINGS.map((name, i) => parameterStatus(name, reported[`s${i}`] ?? "")),
        backendMessage("K", Buffer.concat([int32(process.pid), int32(Number(this.#prefix.slice(1, -1)))])),
        backendMessage("Z", Buffer.from("I")),
      ]),
    );
  }

  async #run(batch: readonly Buffer[]): Promise<void> {
    if (this.#release === undefined) {
      const release = await this.#backend.lease();
      this.#release = release;
      // Closed while waiting: the clean-up (which waits for this pump) gives the backend back.
      if (this.#closed) return;
      // Whoever used the backend before may have changed the session: start from this client's own.
      await this.#db.exec(this.#entrySql);
    }
    const renamed = batch.map((message) => {
      const named = renameInMessage(message, (name) => (name === "" ? "" : this.#prefix + name));
      const target = namedTarget(named);
      if (target?.kind === "S" && target.name !== "") {
        if (named[0] === 0x50 /* P */) this.#statements.add(target.name);
        else this.#statements.delete(target.name);
      }
      return named;
    });
    const output = await this.#db.execProtocolRaw(
      renamed.length === 1 ? (renamed[0] as Buffer) : Buffer.concat(renamed),
    );
    if (output.length > 0 && this.#socket.writable) this.#socket.write(output);
    const status = lastReadyStatus(output);
    this.#unsynced = status === undefined;
    if (status === "I") {
      // Idle outside any transaction: the turn is over, let the next party in.
      const release = this.#release;
      this.#release = undefined;
      release();
    }
  }

  async #cleanUp(): Promise<void> {
    if (this.#release === undefined && this.#statements.size === 0) return;
    this.#release ??= await this.#backend.lease();
    try {
      // A batch cut off before its Sync leaves the backend skipping messages until one arrives.
      if (this.#unsynced) await this.#db.execProtocolRaw(backendMessage("S"));
      if (this.#db.isInTransaction()) await this.#db.exec("ROLLBACK");
      for (const name of this.#statements) {
        await this.#db.exec(`DEALLOCATE "${name.replaceAll('"', '""')}"`).catch(() => undefined);
      }
      this.#statements.clear();
    } finally {
      const release = this.#release;
      this.#release = undefined;
      release();
    }
  }

  #armIdleTimer(): void {
    this.#clearIdleTimer();
    this.#idleTimer = setTimeout(() => {
      void this.shutdown({
        code: "25P03",
        message:
          `this connection kept the shared embedded catalog for ${this.#idleMs / 1000} s without sending anything, ` +
          "so its transaction was rolled back to let other commands run",
      });
    }, this.#idleMs);
    this.#idleTimer.unref();
  }

  #clearIdleTimer(): void {
    if (this.#idleTimer !== undefined) clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
  }
}

/** `RESET ALL` then the client's settings, quoted; only plain setting names are accepted. */
function entrySql(settings: ReadonlyArray<readonly [string, string]>): string {
  const statements = ["RESET ALL"];
  for (const [name, value] of settings) {
    if (!/^[A-Za-z_][A-Za-z0-9_.]{0,62}$/.test(name))
      throw new Error(`invalid setting name ${JSON.stringify(name)}`);
    statements.push(`SET "${name}" TO '${value.replaceAll("'", "''")}'`);
  }
  return statements.join("; ");
}

/**
 * The settings a client asked for at startup: every parameter that is not the user or database, plus
 * `-c name=value` / `--name=value` in `options` (how `pg` and the PostgreSQL client set `search_path`).
 * They are applied at the start of each of its turns, since another party may have used the session since.
 */
function startupSettings(params: Map<string, string>): Array<readonly [string, string]> {
  const settings: Array<readonly [string, string]> = [];
  for (const [key, value] of params) if (!NOT_SETTINGS.has(key)) settings.push([key, value]);
  const tokens = (params.get("options") ?? "").split(/\s+/).filter((token) => token !== "");
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] ?? "";
    const assignment = token === "-c" ? tokens[++i] : token.startsWith("--") ? token.slice(2) : undefined;
    const equals = assignment?.indexOf("=") ?? -1;
    if (assignment === undefined || equals <= 0) {
      throw new Error(`unsupported startup option ${JSON.stringify(token)}: use -c name=value`);
    }
    settings.push([assignment.slice(0, equals), assignment.slice(equals + 1)]);
  }
  return settings;
}
