import type { GlobalHandler } from "./pickle-globals.js";

/** A reference to a Python class or function named by a GLOBAL opcode (already checked against the registry). */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
    readonly handler: GlobalHandler,
  ) {}
  get qualifiedName(): string {
    return `${this.module}.${this.name}`;
  }
}

/** An object of an allowed class: its constructor arguments and the state BUILD gave it. */
export class PyInstance {
  state: unknown = undefined;
  /** Items appended (list subclasses) or set (dict subclasses). */
  readonly items: unknown[] = [];
  constructor(
    readonly cls: string,
    readonly args: readonly unknown[],
  ) {}
}

export class PySet {
  constructor(
    readonly items: unknown[],
    readonly frozen: boolean,
  ) {}
}

export class PyTuple extends Array<unknown> {}
