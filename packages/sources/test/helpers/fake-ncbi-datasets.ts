import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** One assembly the fake NCBI Datasets API knows. */
export interface FakeAssembly {
  readonly accession: string;
  readonly organism: string;
  /** Names and taxids a `genome/taxon/{taxon}` query finds it under. */
  readonly taxa: readonly (string | number)[];
  readonly level?: "Complete Genome" | "Chromosome" | "Scaffold" | "Contig";
  readonly category?: "reference genome" | "representative genome";
  readonly released?: string;
}

export interface DatasetsRequest {
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage["headers"];
  status: number;
}

const LEVEL_FILTERS: Readonly<Record<string, string>> = {
  complete_genome: "Complete Genome",
  chromosome: "Chromosome",
  scaffold: "Scaffold",
  contig: "Contig",
};

/**
 * A local stand-in for the NCBI Datasets v2 `genome/taxon/{taxon}/dataset_report` and
 * `genome/accession/{accessions}/dataset_report` endpoints: level and source filters, `page_size` and
 * opaque `page_token`s, every request logged with its headers, and queued status faults.
 */
export class FakeDatasetsApi {
  readonly assemblies: FakeAssembly[] = [];
  readonly requests: DatasetsRequest[] = [];
  /** Statuses answered to the next requests, in order, before any real answer. */
  readonly faults: number[] = [];
  #server: Server;
  #port = 0;
  #sockets = new Set<Socket>();

  private constructor() {
    this.#server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const entry: DatasetsRequest = {
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        status: 0,
      };
      this.requests.push(entry);
      const send = (status: number, body: unknown): void => {
        entry.status = status;
        const text = typeof body === "string" ? body : JSON.stringify(body);
        res.writeHead(status, {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(text),
        });
        res.end(text);
      };
      const fault = this.faults.shift();
      if (fault !== undefined) return send(fault, { error: `injected ${fault}` });
      const match = /^\/datasets\/v2\/genome\/(taxon|accession)\/([^/]+)\/dataset_report$/.exec(url.pathname);
      if (!match) return send(404, { error: "no such endpoint" });
      const key = decodeURIComponent(match[2]!);
      let found =
        match[1] === "taxon"
          ? this.assemblies.filter((a) => a.taxa.map(String).includes(key))
          : this.assemblies.filter((a) =>
              key.split(",").some((asked) => a.accession === asked || a.accession.startsWith(`${asked}.`)),
            );
      const levels = url.searchParams.getAll("filters.assembly_level").map((l) => LEVEL_FILTERS[l]);
      if (levels.length > 0) found = found.filter((a) => levels.includes(a.level));
      const source = url.searchParams.get("filters.assembly_source");
      if (source === "refseq") found = found.filter((a) => a.accession.startsWith("GCF_"));
      if (source === "genbank") found = found.filter((a) => a.accession.startsWith("GCA_"));
      const pageSize = Number(url.searchParams.get("page_size") ?? 20);
      const token = url.searchParams.get("page_token");
      const start = token === null ? 0 : Number(token.replace(/^tok-/, ""));
      const page = found.slice(start, start + pageSize);
      const next = start + pageSize < found.length ? `tok-${start + pageSize}` : undefined;
      send(200, {
        reports: page.map((a) => ({
          accession: a.accession,
          current_accession: a.accession,
          source_database: a.accession.startsWith("GCF_")
            ? "SOURCE_DATABASE_REFSEQ"
            : "SOURCE_DATABASE_GENBANK",
          organism: { tax_id: 1, organism_name: a.organism },
          assembly_info: {
            assembly_level: a.level ?? "Contig",
            assembly_status: "current",
            assembly_name: "ASM1v1",
            ...(a.category !== undefined ? { refseq_category: a.category } : {}),
            release_date: a.released ?? "2020-01-01",
          },
        })),
        total_count: found.length,
        ...(next !== undefined ? { next_page_token: next } : {}),
      });
    });
    this.#server.on("connection", (socket) => {
      this.#sockets.add(socket);
      socket.on("close", () => this.#sockets.delete(socket));
    });
  }

  static async start(): Promise<FakeDatasetsApi> {
    const fake = new FakeDatasetsApi();
    await new Promise<void>((resolve) => fake.#server.listen(0, "127.0.0.1", resolve));
    fake.#port = (fake.#server.address() as AddressInfo).port;
    return fake;
  }

  /** The API base, as a source's `url`. */
  url(): string {
    return `http://127.0.0.1:${this.#port}/datasets/v2/`;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve, reject) =>
      this.#server.close((error) => (error ? reject(error) : resolve())),
    );
  }
}
