import tar from "tar-stream";

export type TarEntry = {
  name: string;
  type?: "file" | "symlink" | "link" | "directory";
  linkname?: string;
  body?: string | Buffer;
};

/** Builds a tar in memory with tar-stream (any member name, including hostile ones). */
export async function makeTar(entries: TarEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of pack) chunks.push(c as Buffer);
  })();
  for (const e of entries) {
    const body = e.body === undefined ? undefined : Buffer.isBuffer(e.body) ? e.body : Buffer.from(e.body);
    await new Promise<void>((res, rej) => {
      pack.entry(
        {
          name: e.name,
          type: e.type ?? "file",
          ...(e.linkname ? { linkname: e.linkname } : {}),
          ...(body ? { size: body.length } : {}),
        },
        // Links carry no body; tar-stream accepts undefined there although its types do not say so.
        body as Buffer,
        (err) => (err ? rej(err) : res()),
      );
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}
