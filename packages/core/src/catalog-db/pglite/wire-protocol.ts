/**
 * The few pieces of the PostgreSQL frontend/backend protocol (version 3) the catalog socket needs:
 * framing, the startup exchange, ErrorResponse, and renaming prepared statements and portals.
 * Everything else passes through to PGlite byte for byte.
 */

export const PROTOCOL_3 = 196608;
export const SSL_REQUEST = 80877103;
export const GSS_REQUEST = 80877104;
export const CANCEL_REQUEST = 80877102;
/** Larger than any catalog statement; a length beyond it is a broken or hostile client, not a query. */
export const MAX_MESSAGE_BYTES = 256 * 1024 * 1024;

/** Length of the first complete message in `buffer` (type byte included), or 0 when incomplete. */
export function typedMessageLength(buffer: Buffer): number {
  if (buffer.length < 5) return 0;
  const length = 1 + buffer.readUInt32BE(1);
  if (length < 5 || length > MAX_MESSAGE_BYTES)
    throw new Error(`invalid protocol message length ${length - 1}`);
  return buffer.length >= length ? length : 0;
}

/** Length of a complete untyped startup-phase message (startup, SSL, cancel), or 0 when incomplete. */
export function startupMessageLength(buffer: Buffer): number {
  if (buffer.length < 8) return 0;
  const length = buffer.readUInt32BE(0);
  if (length < 8 || length > 10_000) throw new Error(`invalid startup message length ${length}`);
  return buffer.length >= length ? length : 0;
}

/** The key/value pairs of a StartupMessage (after length and protocol version). */
export function startupParameters(message: Buffer): Map<string, string> {
  const params = new Map<string, string>();
  let offset = 8;
  while (offset < message.length && message[offset] !== 0) {
    const [key, afterKey] = cString(message, offset);
    const [value, afterValue] = cString(message, afterKey);
    params.set(key, value);
    offset = afterValue;
  }
  return params;
}

/** A typed backend message. */
export function backendMessage(type: string, body: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, "latin1");
  header.writeUInt32BE(4 + body.length, 1);
  return Buffer.concat([header, body]);
}

export function parameterStatus(name: string, value: string): Buffer {
  return backendMessage("S", Buffer.from(`${name}\0${value}\0`));
}

export function int32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32BE(value);
  return buffer;
}

/** An ErrorResponse as a server would send it; `code` is a SQLSTATE. */
export function errorResponse(severity: "ERROR" | "FATAL", code: string, message: string): Buffer {
  return backendMessage("E", Buffer.from(`S${severity}\0V${severity}\0C${code}\0M${message}\0\0`));
}

/**
 * The transaction status of the last ReadyForQuery in a chunk of backend output ('I' idle,
 * 'T' in a transaction, 'E' in a failed transaction), or undefined when it holds none.
 */
export function lastReadyStatus(output: Uint8Array): string | undefined {
  let status: string | undefined;
  let offset = 0;
  while (offset + 5 <= output.length) {
    const length = 1 + readUInt32(output, offset + 1);
    if (output[offset] === 0x5a /* Z */ && length === 6 && offset + 5 < output.length) {
      status = String.fromCharCode(output[offset + 5] ?? 0);
    }
    offset += length;
  }
  return status;
}

/**
 * Renames the prepared statements and portals a frontend message names, so clients sharing the one
 * backend cannot collide: `pg` names statements by the query (`name` in its query config), and two
 * connections preparing the same name would fail with "prepared statement already exists" or, worse,
 * run each other's SQL. The unnamed statement and portal ("") stay unnamed: a client holds the
 * backend from its first message to its ReadyForQuery, so nobody can overwrite them in between.
 * Returns the message unchanged for types that name nothing.
 */
export function renameInMessage(message: Buffer, rename: (name: string) => string): Buffer {
  const type = String.fromCharCode(message[0] ?? 0);
  switch (type) {
    case "P": {
      // Parse: statement name, query, parameter types.
      const [statement, rest] = cString(message, 5);
      return rebuild(type, [rename(statement)], message.subarray(rest));
    }
    case "B": {
      // Bind: portal name, statement name, the rest (formats, values, result formats).
      const [portal, afterPortal] = cString(message, 5);
      const [statement, rest] = cString(message, afterPortal);
      return rebuild(type, [rename(portal), rename(statement)], message.subarray(rest));
    }
    case "D":
    case "C": {
      // Describe / Close: 'S' or 'P', then the name.
      const kind = message.subarray(5, 6);
      const [name, rest] = cString(message, 6);
      return rebuild(type, [kind.toString("latin1"), rename(name)], message.subarray(rest), true);
    }
    case "E": {
      // Execute: portal name, row limit.
      const [portal, rest] = cString(message, 5);
      return rebuild(type, [rename(portal)], message.subarray(rest));
    }
    default:
      return message;
  }
}

/** The statement name a Parse message prepares, or the ('S' | 'P', name) a Close message drops. */
export function namedTarget(message: Buffer): { kind: "S" | "P"; name: string } | undefined {
  const type = String.fromCharCode(message[0] ?? 0);
  if (type === "P") return { kind: "S", name: cString(message, 5)[0] };
  if (type === "C") {
    const kind = message[5] === 0x50 ? "P" : "S";
    return { kind, name: cString(message, 6)[0] };
  }
  return undefined;
}

function rebuild(type: string, names: readonly string[], rest: Buffer, firstIsKindByte = false): Buffer {
  const parts = names.map((name, index) =>
    firstIsKindByte && index === 0 ? Buffer.from(name, "latin1") : Buffer.from(`${name}\0`),
  );
  return backendMessage(type, Buffer.concat([...parts, rest]));
}

function cString(buffer: Buffer, offset: number): [string, number] {
  const end = buffer.indexOf(0, offset);
  if (end < 0) throw new Error("malformed protocol message: unterminated string");
  return [buffer.toString("utf8", offset, end), end + 1];
}

function readUInt32(bytes: Uint8Array, offset: number): number {
  return (
    (((bytes[offset] ?? 0) << 24) |
      ((bytes[offset + 1] ?? 0) << 16) |
      ((bytes[offset + 2] ?? 0) << 8) |
      (bytes[offset + 3] ?? 0)) >>>
    0
  );
}
