import { FormatError } from "../convert/format-error.js";
import { ALLOWED_GLOBALS } from "./pickle-globals.js";
import { PyGlobal, PyInstance, PySet, PyTuple } from "./py-objects.js";

/*
 * A pickle virtual machine that only builds data. Python's unpickler calls whatever callable a pickle names
 * (that is how `os.system` payloads work); this one looks every GLOBAL up in a fixed registry of data classes
 * (numpy arrays, pandas frames, datetime, ...) and either evaluates a pure JavaScript stand-in or records an
 * inert `PyInstance` for later interpretation. Anything else is refused before any object is built.
 */

const utf8 = new TextDecoder("utf-8");
const latin1 = new TextDecoder("latin1");

/**
 * Unpickles `bytes` without executing code: returns plain JS values (null, boolean, number, bigint for ints
 * outside the safe range, string, Uint8Array for bytes, arrays for lists, PyTuple, Map for dicts, PySet) and
 * PyInstance/values built by the allowed globals. Throws `unsafe_pickle_global` for any other global.
 */
export function unpickle(bytes: Uint8Array, file: string): unknown {
  return new PickleMachine(bytes, file).run();
}

class PickleMachine {
  private pos = 0;
  private stack: unknown[] = [];
  private readonly metastack: unknown[][] = [];
  private readonly memo = new Map<number, unknown>();
  private readonly view: DataView;

  constructor(
    private readonly buf: Uint8Array,
    private readonly file: string,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  run(): unknown {
    const b = this.buf;
    for (;;) {
      if (this.pos >= b.length) throw this.malformed("the pickle ends without a STOP opcode", this.pos);
      const at = this.pos;
      const op = b[this.pos++] ?? 0;
      switch (op) {
        case 0x80: // PROTO
          this.pos++;
          break;
        case 0x95: // FRAME: an 8-byte length; frames only help buffered readers
          this.pos += 8;
          break;
        case 0x2e: // STOP
          return this.pop(at);
        case 0x28: // MARK
          this.metastack.push(this.stack);
          this.stack = [];
          break;
        case 0x30: // POP
          this.pop(at);
          break;
        case 0x31: // POP_MARK
          this.popMark(at);
          break;
        case 0x32: // DUP
          this.stack.push(this.top(at));
          break;
        case 0x46: // FLOAT
          this.stack.push(Number.parseFloat(this.line()));
          break;
        case 0x49: {
          // INT (protocol 0): "01"/"00" are True/False
          const s = this.line();
          this.stack.push(s === "01" ? true : s === "00" ? false : toInt(BigInt(s)));
          break;
        }
        case 0x4a: // BININT
          this.stack.push(this.view.getInt32(this.advance(4, at), true));
          break;
        case 0x4b: // BININT1
          this.stack.push(b[this.advance(1, at)]);
          break;
        case 0x4d: // BININT2
          this.stack.push(this.view.getUint16(this.advance(2, at), true));
          break;
        case 0x4c: // LONG
          this.stack.push(toInt(BigInt(this.line().replace(/L$/, ""))));
          break;
        case 0x8a: {
          // LONG1
          const n = b[this.advance(1, at)] ?? 0;
          this.stack.push(toInt(decodeLong(this.bytes(n, at))));
          break;
        }
        case 0x8b: {
          // LONG4
          const n = this.view.getInt32(this.advance(4, at), true);
          this.stack.push(toInt(decodeLong(this.bytes(n, at))));
          break;
        }
        case 0x4e: // NONE
          this.stack.push(null);
          break;
        case 0x88:
          this.stack.push(true);
          break;
        case 0x89:
          this.stack.push(false);
          break;
        case 0x47: // BINFLOAT (big-endian)
          this.stack.push(this.view.getFloat64(this.advance(8, at), false));
          break;
        case 0x53: // STRING (protocol 0, Python 2 str repr)
          this.stack.push(unquote(this.line()));
          break;
        case 0x54: // BINSTRING
          this.stack.push(latin1.decode(this.bytes(this.view.getInt32(this.advance(4, at), true), at)));
          break;
        case 0x55: // SHORT_BINSTRING
          this.stack.push(latin1.decode(this.bytes(b[this.advance(1, at)] ?? 0, at)));
          break;
        case 0x56: // UNICODE (raw-unicode-escape)
          this.stack.push(
            this.line().replace(
              /\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g,
              (_, u: string | undefined, U: string | undefined) =>
                String.fromCodePoint(Number.parseInt(u ?? U ?? "0", 16)),
            ),
          );
          break;
        case 0x58: // BINUNICODE
          this.stack.push(utf8.decode(this.bytes(this.view.getUint32(this.advance(4, at), true), at)));
          break;
        case 0x8c: // SHORT_BINUNICODE
          this.stack.push(utf8.decode(this.bytes(b[this.advance(1, at)] ?? 0, at)));
          break;
        case 0x8d: // BINUNICODE8
          this.stack.push(utf8.decode(this.bytes(this.u64(at), at)));
          break;
        case 0x42: // BINBYTES
          this.stack.push(this.bytes(this.view.getUint32(this.advance(4, at), true), at).slice());
          break;
        case 0x43: // SHORT_BINBYTES
          this.stack.push(this.bytes(b[this.advance(1, at)] ?? 0, at).slice());
          break;
        case 0x8e: // BINBYTES8
        case 0x96: // BYTEARRAY8 (pandas 2 / numpy in-band PickleBuffer)
          this.stack.push(this.bytes(this.u64(at), at).slice());
          break;
        case 0x97: // NEXT_BUFFER
          throw new FormatError(
            "pickle_malformed",
            `pickle: out-of-band buffer; the data is not in the file`,
            {
              file: this.file,
              byteOffset: at,
              hint: "Re-pickle without buffer_callback (pickle.dump(obj, f, protocol=5)) so the buffers are stored in-band.",
            },
          );
        case 0x98: // READONLY_BUFFER
          break;
        case 0x29:
          this.stack.push(new PyTuple());
          break;
        case 0x74:
          {
            // popMark swaps this.stack, so take the items before touching the stack
            const items = this.popMark(at);
            this.stack.push(PyTuple.from(items));
          }
          break;
        case 0x85:
          this.stack.push(PyTuple.of(this.pop(at)));
          break;
        case 0x86: {
          const y = this.pop(at);
          this.stack.push(PyTuple.of(this.pop(at), y));
          break;
        }
        case 0x87: {
          const z = this.pop(at);
          const y = this.pop(at);
          this.stack.push(PyTuple.of(this.pop(at), y, z));
          break;
        }
        case 0x5d:
          this.stack.push([]);
          break;
        case 0x6c:
          {
            const items = this.popMark(at);
            this.stack.push(items);
          }
          break;
        case 0x61: {
          const v = this.pop(at);
          this.append(this.top(at), [v], at);
          break;
        }
        case 0x65: {
          const items = this.popMark(at);
          this.append(this.top(at), items, at);
          break;
        }
        case 0x7d:
          this.stack.push(new Map());
          break;
        case 0x64: {
          const items = this.popMark(at);
          const m = new Map<unknown, unknown>();
          for (let i = 0; i + 1 < items.length; i += 2) m.set(dictKey(items[i]), items[i + 1]);
          this.stack.push(m);
          break;
        }
        case 0x73: {
          const v = this.pop(at);
          const k = this.pop(at);
          this.setItems(this.top(at), [k, v], at);
          break;
        }
        case 0x75: {
          const items = this.popMark(at);
          this.setItems(this.top(at), items, at);
          break;
        }
        case 0x8f:
          this.stack.push(new PySet([], false));
          break;
        case 0x90: {
          const items = this.popMark(at);
          const s = this.top(at);
          if (!(s instanceof PySet)) throw this.malformed("ADDITEMS on a non-set", at);
          s.items.push(...items);
          break;
        }
        case 0x91:
          {
            const items = this.popMark(at);
            this.stack.push(new PySet(items, true));
          }
          break;
        case 0x63: {
          // GLOBAL
          const module = this.line();
          const name = this.line();
          this.stack.push(this.resolveGlobal(module, name, at));
          break;
        }
        case 0x93: {
          // STACK_GLOBAL
          const name = this.pop(at);
          const module = this.pop(at);
          if (typeof module !== "string" || typeof name !== "string")
            throw this.malformed("STACK_GLOBAL needs two strings", at);
          this.stack.push(this.resolveGlobal(module, name, at));
          break;
        }
        case 0x52: {
          // REDUCE
          const args = this.pop(at);
          const fn = this.pop(at);
          this.stack.push(this.call(fn, toArgs(args), at, false));
          break;
        }
        case 0x81: {
          // NEWOBJ
          const args = this.pop(at);
          const cls = this.pop(at);
          this.stack.push(this.call(cls, toArgs(args), at, true));
          break;
        }
        case 0x92: {
          // NEWOBJ_EX (keyword arguments are not used by the data classes we rebuild)
          this.pop(at);
          const args = this.pop(at);
          const cls = this.pop(at);
          this.stack.push(this.call(cls, toArgs(args), at, true));
          break;
        }
        case 0x69: {
          // INST
          const module = this.line();
          const name = this.line();
          const args = this.popMark(at);
          this.stack.push(this.call(this.global(module, name, at), args, at, true));
          break;
        }
        case 0x6f: {
          // OBJ
          const [cls, ...args] = this.popMark(at);
          this.stack.push(this.call(cls, args, at, true));
          break;
        }
        case 0x62: {
          // BUILD
          const state = this.pop(at);
          const obj = this.top(at);
          this.build(obj, state, at);
          break;
        }
        case 0x70: // PUT
          this.memo.set(Number.parseInt(this.line(), 10), this.top(at));
          break;
        case 0x71:
          this.memo.set(b[this.advance(1, at)] ?? 0, this.top(at));
          break;
        case 0x72:
          this.memo.set(this.view.getUint32(this.advance(4, at), true), this.top(at));
          break;
        case 0x94:
          this.memo.set(this.memo.size, this.top(at));
          break;
        case 0x67:
          this.stack.push(this.get(Number.parseInt(this.line(), 10), at));
          break;
        case 0x68:
          this.stack.push(this.get(b[this.advance(1, at)] ?? 0, at));
          break;
        case 0x6a:
          this.stack.push(this.get(this.view.getUint32(this.advance(4, at), true), at));
          break;
        case 0x50:
        case 0x51:
          throw new FormatError(
            "unsafe_pickle_global",
            `pickle: refusing a persistent id (it needs application code to resolve)`,
            {
              file: this.file,
              byteOffset: at,
              hint: "Persistent ids come from custom picklers (e.g. torch); export the data to a plain format.",
            },
          );
        case 0x82:
        case 0x83:
        case 0x84:
          throw new FormatError(
            "unsafe_pickle_global",
            `pickle: refusing an extension-registry reference (copyreg extensions name arbitrary code)`,
            {
              file: this.file,
              byteOffset: at,
              hint: "Re-pickle the data without copyreg extension codes.",
            },
          );
        default:
          throw this.malformed(`unknown opcode 0x${op.toString(16)}`, at);
      }
    }
  }

  /** A GLOBAL as pushed on the stack: the class/function reference, or the singleton value it names. */
  private resolveGlobal(module: string, name: string, at: number): unknown {
    const g = this.global(module, name, at);
    return g.handler.kind === "value" ? g.handler.value : g;
  }

  private global(module: string, name: string, at: number): PyGlobal {
    const qualified = `${module}.${name}`;
    const handler =
      ALLOWED_GLOBALS.get(qualified) ??
      (module === "pandas._libs.tslibs.offsets" ? ALLOWED_GLOBALS.get("*inert") : undefined);
    if (handler === undefined) {
      throw new FormatError(
        "unsafe_pickle_global",
        `pickle: refusing to load ${qualified} (not an allowed data class)`,
        {
          file: this.file,
          byteOffset: at,
          hint: "Only numpy arrays, pandas DataFrames/Series and plain Python data are read; export other objects to CSV or Parquet from Python.",
        },
      );
    }
    return new PyGlobal(module, name, handler);
  }

  private call(fn: unknown, args: unknown[], at: number, isNew: boolean): unknown {
    if (!(fn instanceof PyGlobal)) throw this.malformed(`call of a non-global (${typeof fn})`, at);
    const h = fn.handler;
    try {
      if (h.kind === "function") return h.call(args, this.file);
      if (h.kind === "value") return h.value;
      return new PyInstance(h.as ?? fn.qualifiedName, args);
    } catch (cause) {
      if (cause instanceof FormatError) throw cause;
      throw new FormatError(
        "pickle_malformed",
        `pickle: cannot rebuild ${fn.qualifiedName}${isNew ? "()" : ""}: ${(cause as Error).message}`,
        {
          file: this.file,
          byteOffset: at,
          hint: "The object's pickled form is not one this reader knows; export it to CSV or Parquet from Python.",
          cause,
        },
      );
    }
  }

  private build(obj: unknown, state: unknown, at: number): void {
    if (obj instanceof PyInstance) {
      obj.state = state;
      return;
    }
    if (obj instanceof Map && state instanceof Map) {
      for (const [k, v] of state) obj.set(k, v);
      return;
    }
    throw this.malformed(`BUILD on a ${obj === null ? "None" : (obj as object).constructor.name}`, at);
  }

  private append(target: unknown, items: unknown[], at: number): void {
    if (Array.isArray(target)) target.push(...items);
    else if (target instanceof PyInstance) target.items.push(...items);
    else throw this.malformed("APPEND on a non-list", at);
  }

  private setItems(target: unknown, items: unknown[], at: number): void {
    if (target instanceof Map) {
      for (let i = 0; i + 1 < items.length; i += 2) target.set(dictKey(items[i]), items[i + 1]);
    } else if (target instanceof PyInstance) target.items.push(...items);
    else throw this.malformed("SETITEM on a non-dict", at);
  }

  private get(key: number, at: number): unknown {
    if (!this.memo.has(key)) throw this.malformed(`memo key ${key} was never stored`, at);
    return this.memo.get(key);
  }

  private pop(at: number): unknown {
    if (this.stack.length === 0) throw this.malformed("stack underflow", at);
    return this.stack.pop();
  }

  private top(at: number): unknown {
    if (this.stack.length === 0) throw this.malformed("stack underflow", at);
    return this.stack[this.stack.length - 1];
  }

  private popMark(at: number): unknown[] {
    const items = this.stack;
    const prev = this.metastack.pop();
    if (prev === undefined) throw this.malformed("MARK missing", at);
    this.stack = prev;
    return items;
  }

  private advance(n: number, at: number): number {
    if (this.pos + n > this.buf.length) throw this.malformed("truncated", at);
    const p = this.pos;
    this.pos += n;
    return p;
  }

  private bytes(n: number, at: number): Uint8Array {
    if (n < 0) throw this.malformed("negative length", at);
    const p = this.advance(n, at);
    return this.buf.subarray(p, p + n);
  }

  private u64(at: number): number {
    const v = this.view.getBigUint64(this.advance(8, at), true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw this.malformed("length too large", at);
    return Number(v);
  }

  private line(): string {
    const b = this.buf;
    const start = this.pos;
    let p = start;
    while (p < b.length && b[p] !== 0x0a) p++;
    if (p >= b.length) throw this.malformed("unterminated line", start);
    this.pos = p + 1;
    return latin1.decode(b.subarray(start, p));
  }

  private malformed(reason: string, at: number): FormatError {
    return new FormatError("pickle_malformed", `pickle: ${reason}`, {
      file: this.file,
      byteOffset: at,
      hint: "The file is truncated or not a pickle.",
    });
  }
}

function toArgs(args: unknown): unknown[] {
  return Array.isArray(args) ? [...(args as unknown[])] : [];
}

/** Python ints: a JS number when exact, a bigint beyond 2^53 (pickleparser throws past 64 bits; we do not). */
function toInt(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** LONG1/LONG4: little-endian two's complement. */
function decodeLong(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i] ?? 0);
  if ((bytes[bytes.length - 1] ?? 0) & 0x80) v -= 1n << BigInt(bytes.length * 8);
  return v;
}

/** Dict keys must compare by value in a Map: tuples become their JSON text. */
function dictKey(k: unknown): unknown {
  if (k instanceof PyTuple)
    return JSON.stringify(k, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
  return k;
}

function unquote(s: string): string {
  const q = s[0];
  if ((q === "'" || q === '"') && s.endsWith(q)) {
    return s.slice(1, -1).replace(/\\(x[0-9a-fA-F]{2}|[nrt\\'"])/g, (_, e: string) => {
      if (e.startsWith("x")) return String.fromCharCode(Number.parseInt(e.slice(1), 16));
      return ({ n: "\n", r: "\r", t: "\t" } as Record<string, string>)[e] ?? e;
    });
  }
  return s;
}
