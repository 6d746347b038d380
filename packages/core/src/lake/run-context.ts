import type { RunIo } from "../catalog/catalog-types.js";
import { faultPoint } from "../testing-hooks/fault-point.js";

/** What a step reports about itself while it runs; `withRun` writes it to the run record at the end. */
export class RunContext {
  readonly inputs: RunIo[] = [];
  readonly outputs: RunIo[] = [];
  readonly rowCounts: Record<string, number> = {};
  readonly toolVersions: Record<string, string> = {};
  private readonly lines: string[] = [];

  constructor(
    readonly id: number,
    readonly step: string,
  ) {}

  input(io: RunIo): void {
    this.inputs.push(io);
  }

  output(io: RunIo): void {
    this.outputs.push(io);
    // Each recorded output is a step's unit of progress: a kill here leaves some outputs made and
    // others not, which is what a rerun must cope with.
    faultPoint(`${this.step}.output`);
  }

  /** Records the version of a tool the step used, once it knows which. */
  tool(name: string, version: string): void {
    this.toolVersions[name] = version;
  }

  rows(table: string, count: number): void {
    this.rowCounts[table] = (this.rowCounts[table] ?? 0) + count;
  }

  log(line: string): void {
    // Bounded so a chatty step cannot bloat the catalog row.
    if (this.lines.length < 10_000) this.lines.push(`${new Date().toISOString()} ${line}`);
  }

  get logText(): string {
    return this.lines.join("\n");
  }
}
