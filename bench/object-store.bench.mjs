// Object stores: streaming put and verified get of a generated stream on the filesystem and on a local
// s3rver, with the process's peak RSS while doing it, at two sizes to show memory does not follow size.
// Peers on the same bytes in the same run: a plain fs write stream (with and without fsync) and read stream
// (no hashing), and the AWS SDK's own lib-storage Upload / a raw GetObject.
// Build first: npm run build
// Env: BENCH_STORE_MB (default 1024), BENCH_STORE_SMALL_MB (default 100), BENCH_RUNS (default 3, fs only),
//      BENCH_S3_RUNS (default 1), BENCH_STORES (default "fs,s3").
import { spawn } from "node:child_process";
import { createReadStream, createWriteStream, mkdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, "..");
const dataDir = join(here, ".data", "object-store");
const MIB = 1024 * 1024;
const BUCKET = "bench";
const CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

async function loadOpenObjectStore() {
  return (await import("@omicslake/core")).openObjectStore;
}

/** A deterministic stream: a seeded 1 MiB block, each chunk a fresh copy stamped with its index. */
function generated(sizeBytes) {
  const block = Buffer.allocUnsafe(MIB);
  let state = 0x9e3779b9;
  for (let i = 0; i < MIB; i += 4) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    block.writeUInt32LE(state >>> 0, i);
  }
  return Readable.from(
    (function* () {
      for (let offset = 0, index = 0; offset < sizeBytes; offset += MIB, index++) {
        const chunk = Buffer.from(block.subarray(0, Math.min(MIB, sizeBytes - offset)));
        chunk.writeUInt32LE(index, 0);
        yield chunk;
      }
    })(),
  );
}

/** Samples RSS every 100 ms while `work` runs and returns its duration and the highest sample. */
async function measured(work) {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 100);
  const t0 = performance.now();
  try {
    const result = await work();
    return {
      seconds: (performance.now() - t0) / 1000,
      peakRssMB: Math.max(peak, process.memoryUsage().rss) / MIB,
      result,
    };
  } finally {
    clearInterval(timer);
  }
}

/** Reads a stream to the end, counting bytes (hashing, where wanted, is the store's job). */
async function drain(stream) {
  let bytes = 0;
  for await (const chunk of stream) bytes += chunk.length;
  return { bytes };
}

// ---- child: one phase (put, or the reads) of one run, so each peak RSS belongs to that phase alone -----
if (process.argv[2] === "--child") {
  const [, , , kind, sizeArg, phase, location, endpoint, sha256] = process.argv;
  const size = Number(sizeArg) * MIB;
  const key = "processed/bench/object.bin";
  const out = {};
  if (kind.startsWith("fs")) {
    const openObjectStore = await loadOpenObjectStore();
    mkdirSync(location, { recursive: true });
    const store = await openObjectStore({ url: location });
    const file = join(location, "plain.bin");
    if (phase === "put") {
      out.put = await measured(() =>
        kind === "fs"
          ? store.put(key, generated(size))
          : // flush: fsync before close, as the store does (fs-peer leaves the bytes in the page cache).
            pipeline(generated(size), createWriteStream(file, { flush: kind === "fs-durable-peer" })),
      );
    } else if (kind === "fs") {
      out.read = await measured(async () => drain(await store.get(key)));
      out.get = await measured(async () => drain(await store.get(key, { verifySha256: sha256 })));
    } else {
      out.read = await measured(() => drain(createReadStream(file, { highWaterMark: MIB })));
    }
  } else {
    const require = createRequire(join(repoRoot, "packages/core/package.json"));
    const { S3Client, GetObjectCommand, DeleteObjectCommand } = require("@aws-sdk/client-s3");
    const client = new S3Client({
      endpoint,
      region: "us-east-1",
      credentials: CREDENTIALS,
      forcePathStyle: true,
    });
    const openObjectStore = await loadOpenObjectStore();
    const store = await openObjectStore({
      url: `s3://${BUCKET}/${location}`,
      endpoint,
      region: "us-east-1",
      ...CREDENTIALS,
      forcePathStyle: true,
    });
    const fullKey = `${location}/${key}`;
    if (phase === "put") {
      if (kind === "s3") {
        out.put = await measured(() => store.put(key, generated(size)));
      } else {
        const { Upload } = require("@aws-sdk/lib-storage");
        const upload = new Upload({
          client,
          params: { Bucket: BUCKET, Key: fullKey, Body: generated(size) },
          partSize: 16 * MIB,
          queueSize: 4,
        });
        out.put = await measured(() => upload.done());
      }
    } else {
      if (kind === "s3") {
        out.read = await measured(async () => drain(await store.get(key)));
        out.get = await measured(async () => drain(await store.get(key, { verifySha256: sha256 })));
      } else {
        out.read = await measured(async () =>
          drain((await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: fullKey }))).Body),
        );
      }
      await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: fullKey }));
    }
    await store.close();
    client.destroy();
  }
  const summary = (m) =>
    m && { seconds: m.seconds, peakRssMB: m.peakRssMB, bytes: m.result?.bytes, sha256: m.result?.sha256 };
  process.stdout.write(
    JSON.stringify({ put: summary(out.put), read: summary(out.read), get: summary(out.get) }) + "\n",
  );
  process.exit(0);
}

// ---- parent -----------------------------------------------------------------------------------------
const bigMB = Number(process.env.BENCH_STORE_MB ?? 1024);
const smallMB = Number(process.env.BENCH_STORE_SMALL_MB ?? 100);
const fsRuns = Number(process.env.BENCH_RUNS ?? 3);
const s3Runs = Number(process.env.BENCH_S3_RUNS ?? 1);
const stores = (process.env.BENCH_STORES ?? "fs,s3").split(",");
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function runChild(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), "--child", ...args], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let stdout = "";
    child.stdout.on("data", (data) => (stdout += data));
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code !== 0) reject(new Error(`run ${args.join(" ")} exited with ${code}`));
      else resolve(JSON.parse(stdout.trim().split("\n").at(-1)));
    });
  });
}

/** s3rver in its own process (so its memory is not ours), storing under bench/.data. */
async function startS3rver() {
  const directory = join(dataDir, "s3rver");
  rmSync(directory, { recursive: true, force: true });
  mkdirSync(directory, { recursive: true });
  const require = createRequire(join(repoRoot, "package.json"));
  const source = `
    const S3rver = require(process.env.S3RVER_MODULE);
    new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: process.env.S3RVER_DIRECTORY,
      configureBuckets: [{ name: "${BUCKET}" }] })
      .run().then((address) => process.send({ port: address.port }));
    process.on("disconnect", () => process.exit(0));`;
  const child = spawn(process.execPath, ["--openssl-legacy-provider", "-e", source], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    env: { ...process.env, S3RVER_MODULE: require.resolve("s3rver"), S3RVER_DIRECTORY: directory },
  });
  const port = await new Promise((resolve, reject) => {
    child.once("message", (message) => resolve(message.port));
    child.once("exit", (code) => reject(new Error(`s3rver exited with ${code}`)));
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close() {
      child.kill();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

let runCounter = 0;

/** Runs put then reads, each in a fresh process, `runs` times; medians of throughput, max of peak RSS. */
async function series(kind, sizeMB, runs, endpoint = "") {
  const results = [];
  for (let i = 0; i < runs; i++) {
    const name = `run-${process.pid}-${++runCounter}`;
    const location = kind.startsWith("fs") ? join(dataDir, name) : name;
    try {
      const { put } = await runChild([kind, String(sizeMB), "put", location, endpoint]);
      const { read, get } = await runChild([
        kind,
        String(sizeMB),
        "get",
        location,
        endpoint,
        put.sha256 ?? "",
      ]);
      if (read.bytes !== sizeMB * MIB)
        throw new Error(`${kind}: read ${read.bytes} bytes, wrote ${sizeMB * MIB}`);
      results.push({ put, read, get: get ?? read });
    } finally {
      if (kind.startsWith("fs")) rmSync(location, { recursive: true, force: true });
    }
  }
  return {
    putMBps: median(results.map((r) => sizeMB / r.put.seconds)),
    readMBps: median(results.map((r) => sizeMB / r.read.seconds)),
    getMBps: median(results.map((r) => sizeMB / r.get.seconds)),
    putRssMB: Math.max(...results.map((r) => r.put.peakRssMB)),
    getRssMB: Math.max(...results.map((r) => Math.max(r.read.peakRssMB, r.get.peakRssMB))),
  };
}

const f = (x) => x.toFixed(0);
rmSync(dataDir, { recursive: true, force: true });
mkdirSync(dataDir, { recursive: true });
console.log(
  `object store bench: ${bigMB} MB and ${smallMB} MB generated streams; put = streaming put with sha256, get = verified read`,
);

if (stores.includes("fs")) {
  const big = await series("fs", bigMB, fsRuns);
  const small = await series("fs", smallMB, fsRuns);
  const peer = await series("fs-peer", bigMB, fsRuns);
  const durable = await series("fs-durable-peer", bigMB, fsRuns);
  console.log(
    `fs put ${bigMB} MB: ${f(big.putMBps)} MB/s (median of ${fsRuns}); plain write stream + fsync ${f(durable.putMBps)} MB/s; ratio ${(big.putMBps / durable.putMBps).toFixed(2)}`,
  );
  console.log(
    `fs put ${bigMB} MB vs plain write stream without fsync (page cache only) ${f(peer.putMBps)} MB/s; ratio ${(big.putMBps / peer.putMBps).toFixed(2)}`,
  );
  console.log(
    `fs get ${bigMB} MB: ${f(big.readMBps)} MB/s (median of ${fsRuns}); plain read stream ${f(peer.getMBps)} MB/s; ratio ${(big.readMBps / peer.getMBps).toFixed(2)}`,
  );
  console.log(
    `fs get ${bigMB} MB verified (sha256): ${f(big.getMBps)} MB/s (median of ${fsRuns}); ratio to plain read ${(big.getMBps / peer.getMBps).toFixed(2)}`,
  );
  console.log(
    `fs peak RSS put: ${f(big.putRssMB)} MB at ${bigMB} MB vs ${f(small.putRssMB)} MB at ${smallMB} MB`,
  );
  console.log(
    `fs peak RSS get: ${f(big.getRssMB)} MB at ${bigMB} MB vs ${f(small.getRssMB)} MB at ${smallMB} MB`,
  );
  console.log(`fs peer peak RSS: write ${f(peer.putRssMB)} MB, read ${f(peer.getRssMB)} MB at ${bigMB} MB`);
}

if (stores.includes("s3")) {
  const server = await startS3rver();
  try {
    const big = await series("s3", bigMB, s3Runs, server.endpoint);
    const small = await series("s3", smallMB, s3Runs, server.endpoint);
    const peer = await series("s3-peer", bigMB, s3Runs, server.endpoint);
    const runs = s3Runs === 1 ? "one run" : `median of ${s3Runs}`;
    console.log(
      `s3rver put ${bigMB} MB: ${f(big.putMBps)} MB/s (${runs}); lib-storage Upload ${f(peer.putMBps)} MB/s; ratio ${(big.putMBps / peer.putMBps).toFixed(2)}`,
    );
    console.log(
      `s3rver get ${bigMB} MB: ${f(big.readMBps)} MB/s (${runs}); raw GetObject ${f(peer.getMBps)} MB/s; ratio ${(big.readMBps / peer.getMBps).toFixed(2)}`,
    );
    console.log(
      `s3rver get ${bigMB} MB verified (sha256): ${f(big.getMBps)} MB/s (${runs}); ratio to raw GetObject ${(big.getMBps / peer.getMBps).toFixed(2)}`,
    );
    console.log(
      `s3rver peak RSS put: ${f(big.putRssMB)} MB at ${bigMB} MB vs ${f(small.putRssMB)} MB at ${smallMB} MB`,
    );
    console.log(
      `s3rver peak RSS get: ${f(big.getRssMB)} MB at ${bigMB} MB vs ${f(small.getRssMB)} MB at ${smallMB} MB`,
    );
    console.log(
      `s3rver peer peak RSS: lib-storage Upload ${f(peer.putRssMB)} MB, GetObject ${f(peer.getRssMB)} MB at ${bigMB} MB`,
    );
  } finally {
    server.close();
  }
}
