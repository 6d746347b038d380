/**
 * ClickHouse's RowBinary input format for the types a store's columns are loaded as. Binary, because 18.16
 * reads decimal text into a Float64 that is sometimes one unit in the last place off (about one value in
 * thirteen with 17 significant digits); eight little-endian bytes arrive exactly as DuckDB read them.
 */
export type BinaryType = "Int32" | "Int64" | "Float64" | "UInt8" | "String";

export interface BinaryColumn {
  readonly type: BinaryType;
  readonly nullable: boolean;
}

/** Appends rows to a growing buffer; `take` hands out what is written and starts again. */
export class RowBinaryWriter {
  #buffer = Buffer.allocUnsafe(1 << 20);
  #length = 0;

  get length(): number {
    return this.#length;
  }

  /** Writes one row; `values[i]` is what DuckDB gave for column i (number, bigint, boolean, string or null). */
  row(columns: readonly BinaryColumn[], values: readonly unknown[]): void {
    columns.forEach((column, i) => {
      const value = values[i];
      if (column.nullable) {
        this.#reserve(1);
        this.#buffer[this.#length++] = value === null || value === undefined ? 1 : 0;
        if (value === null || value === undefined) return;
      } else if (value === null || value === undefined) {
        throw new Error(`RowBinary: a null in column ${i}, which is not nullable`);
      }
      this.#value(column.type, value);
    });
  }

  take(): Buffer {
    const out = Buffer.from(this.#buffer.subarray(0, this.#length));
    this.#length = 0;
    return out;
  }

  #value(type: BinaryType, value: unknown): void {
    switch (type) {
      case "Int32":
        this.#reserve(4);
        this.#buffer.writeInt32LE(Number(value), this.#length);
        this.#length += 4;
        return;
      case "Int64":
        this.#reserve(8);
        this.#buffer.writeBigInt64LE(
          typeof value === "bigint" ? value : BigInt(value as number),
          this.#length,
        );
        this.#length += 8;
        return;
      case "Float64":
        this.#reserve(8);
        this.#buffer.writeDoubleLE(Number(value), this.#length);
        this.#length += 8;
        return;
      case "UInt8":
        this.#reserve(1);
        this.#buffer[this.#length++] = value === true || value === 1 ? 1 : 0;
        return;
      case "String": {
        const text = typeof value === "string" ? value : JSON.stringify(value);
        const bytes = Buffer.byteLength(text, "utf8");
        this.#reserve(10 + bytes);
        let n = bytes;
        // LEB128 length, as ClickHouse writes and reads string sizes.
        while (n >= 0x80) {
          this.#buffer[this.#length++] = (n & 0x7f) | 0x80;
          n >>>= 7;
        }
        this.#buffer[this.#length++] = n;
        this.#length += this.#buffer.write(text, this.#length, "utf8");
        return;
      }
    }
  }

  #reserve(bytes: number): void {
    if (this.#length + bytes <= this.#buffer.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.#buffer.length * 2, this.#length + bytes));
    this.#buffer.copy(next, 0, 0, this.#length);
    this.#buffer = next;
  }
}
