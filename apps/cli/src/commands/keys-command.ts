import type { Command } from "commander";
import { UsageError } from "../cli-error.js";
import { withLake, type GlobalOptions } from "../context.js";
import { table } from "../output/output.js";

const SCOPES = ["read", "write", "admin"];

export function registerKeys(program: Command): void {
  const keys = program.command("keys").description("manage API keys for the REST API's write routes");

  keys
    .command("create")
    .description("create a key; its secret is printed once and never stored")
    .argument("<name>", "who or what uses the key")
    .option(
      "--scope <scope>",
      `read, write or admin (repeatable; default write)`,
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .action(async (name: string, options: { scope?: string[] }, command: Command) => {
      const scopes = options.scope ?? ["write"];
      const unknown = scopes.filter((s) => !SCOPES.includes(s));
      if (unknown.length > 0)
        throw new UsageError(
          `unknown scope ${unknown.map((s) => `"${s}"`).join(", ")}; use ${SCOPES.join(", ")}`,
        );
      await withLake(command.optsWithGlobals<GlobalOptions>(), async (lake, out) => {
        const { key, secret } = await lake.catalog.createApiKey(name, scopes);
        out.data({ ...key, secret }, () =>
          [
            `Created key ${key.id} "${key.name}" (${key.scopes.join(", ")})`,
            secret,
            "Store it now: it cannot be shown again.",
          ].join("\n"),
        );
      });
    });

  keys
    .command("ls")
    .description("list keys (never their secrets)")
    .action(async (_options: unknown, command: Command) => {
      await withLake(command.optsWithGlobals<GlobalOptions>(), async (lake, out) => {
        const list = await lake.catalog.listApiKeys();
        out.data(list, () =>
          list.length === 0
            ? "no keys"
            : table(
                ["ID", "NAME", "PREFIX", "SCOPES", "CREATED", "LAST USED", "REVOKED"],
                list.map((k) => [
                  k.id,
                  k.name,
                  k.prefix,
                  k.scopes.join(","),
                  k.createdAt.toISOString(),
                  k.lastUsedAt?.toISOString(),
                  k.revokedAt?.toISOString(),
                ]),
              ),
        );
      });
    });

  keys
    .command("revoke")
    .description("revoke a key by id")
    .argument("<id>")
    .action(async (id: string, _options: unknown, command: Command) => {
      if (!/^\d+$/.test(id)) throw new UsageError(`key id must be a number, got "${id}"`);
      await withLake(command.optsWithGlobals<GlobalOptions>(), async (lake, out) => {
        await lake.catalog.revokeApiKey(Number(id));
        out.data({ revoked: Number(id) }, () => `Revoked key ${id}`);
      });
    });
}
