import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A running s3rver: where it listens, the bucket it created, and how to stop it. */
export interface S3rverHandle {
  readonly endpoint: string;
  readonly bucket: string;
  /** The directory s3rver keeps its objects in. */
  readonly directory: string;
  close(): Promise<void>;
}

/** Fake credentials: s3rver checks no signatures, but the SDK insists on having some. */
export const S3RVER_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;
export const S3RVER_REGION = "us-east-1";

// s3rver encrypts ListObjectsV2 continuation tokens with DES, which OpenSSL 3 only offers through its legacy
// provider. Node can only enable that provider at start-up (a flag, not an API), so s3rver runs in a child
// process started with the flag: the test command needs no NODE_OPTIONS, and the child's CPU and memory stay
// out of the measurements of the process under test.
//
// s3rver removes a key's parent directories once they are empty after a delete; a put under the same prefix
// that has just created that directory then opens its file in a directory that is gone, and the unhandled
// ENOENT kills the server (the object store writes through a staging prefix, so concurrent writers meet this
// race). An S3 bucket has no directories: the child deletes only the object's files and leaves the folders.
const CHILD_SOURCE = `
const { dirname, join } = require("node:path");
const { unlink } = require("node:fs/promises");
const FilesystemStore = require(join(dirname(process.env.S3RVER_MODULE), "stores", "filesystem.js"));
FilesystemStore.prototype.deleteObject = async function deleteObject(bucket, key) {
  await Promise.all(
    ["object", "object.md5", "metadata.json"].map((type) =>
      unlink(this.getResourcePath(bucket, key, type)).catch((error) => {
        if (error.code !== "ENOENT") throw error;
      }),
    ),
  );
};
const S3rver = require(process.env.S3RVER_MODULE);
const server = new S3rver({
  address: "127.0.0.1",
  port: 0,
  silent: true,
  directory: process.env.S3RVER_DIRECTORY,
  configureBuckets: [{ name: process.env.S3RVER_BUCKET }],
});
server.run().then((address) => process.send({ port: address.port }), (error) => {
  console.error(error);
  process.exit(1);
});
process.on("disconnect", () => process.exit(0));
`;

/** Starts s3rver on 127.0.0.1 with a random port and one empty bucket, storing under a fresh temp directory. */
export async function startS3rver(options: { bucket?: string } = {}): Promise<S3rverHandle> {
  const bucket = options.bucket ?? "omicslake-test";
  const directory = await mkdtemp(join(tmpdir(), "omicslake-s3rver-"));
  const require = createRequire(import.meta.url);
  const child = spawn(process.execPath, ["--openssl-legacy-provider", "-e", CHILD_SOURCE], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    env: {
      ...process.env,
      NODE_OPTIONS: "",
      S3RVER_MODULE: require.resolve("s3rver"),
      S3RVER_DIRECTORY: directory,
      S3RVER_BUCKET: bucket,
    },
  });
  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      child.once("message", (message) => resolve((message as { port: number }).port));
      child.once("error", reject);
      child.once("exit", (code) =>
        reject(new Error(`s3rver exited with code ${String(code)} before listening`)),
      );
    });
  } catch (error) {
    child.kill();
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    directory,
    async close() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill();
        await exited;
      }
      await rm(directory, { recursive: true, force: true });
    },
  };
}
