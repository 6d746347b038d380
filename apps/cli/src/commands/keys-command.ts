import { API_KEY_SCOPES, OmicslakeError, apiKeyRecord, parseKeyExpiry } from "@omicslake/core";
import type { Command } from "commander";
import { UsageError } from "../cli-error.js";
import { noteAuditTarget } from "../command-audit.js";
import { withLake, type GlobalOptions } from "../context.js";
import { table } from "../output/output.js";

const SCOPES: readonly string[] = API_KEY_SCOPES;

/** A past, present or malformed --expires is a usage error (exit 2), with the reason the parser gave. */
function expiryOf(text: string | undefined): Date | null {
  if (text === undefined) return null;
  try {
    return parseKeyExpiry(text, new Date());
  } catch (error) {
    if (error instanceof OmicslakeError)
      throw new UsageError(`--expires: ${error.reason}`, error.hint ? { hint: error.hint } : {});
    throw error;
  }
}

export function registerKeys(program: Command): void {
  const keys = program.command("keys").description("manage API keys for the REST API");

  keys
    .command("create")
    .description("create a key; its secret is printed once and never stored")
    .argument("<name>", "who or what uses the key")
    .option(
      "--scope <scope>",
      `read, write or admin (repeatable; default write; admin implies write, write implies read)`,
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option(
      "--expires <date>",
      "when the key stops working: an ISO date (start of that day, UTC) or date-time; default never",
    )
    .action(async (name: string, options: { scope?: string[]; expires?: string }, command: Command) => {
      const scopes = options.scope ?? ["write"];
      const unknown = scopes.filter((s) => !SCOPES.includes(s));
      if (unknown.length > 0)
        throw new UsageError(
          `unknown scope ${unknown.map((s) => `"${s}"`).join(", ")}; use ${SCOPES.join(", ")}`,
        );
      const expiresAt = expiryOf(options.expires);
      await withLake(command.optsWithGlobals<GlobalOptions>(), async (lake, out) => {
        const { key, secret } = await lake.catalog.createApiKey(name, scopes, { expiresAt });
        // The audit entry names the key, never its secret.
        noteAuditTarget({ details: { key_id: key.id, key_name: key.name, scopes: [...key.scopes] } });
        out.data({ ...apiKeyRecord(key), secret }, () =>
          [
            `Created key ${key.id} "${key.name}" (${key.scopes.join(", ")}${key.expiresAt ? `, expires ${key.expiresAt.toISOString()}` : ""})`,
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
        out.data(list.map(apiKeyRecord), () =>
          list.length === 0
            ? "no keys"
            : table(
                ["ID", "NAME", "PREFIX", "SCOPES", "CREATED", "EXPIRES", "LAST USED", "REVOKED"],
                list.map((k) => [
                  k.id,
                  k.name,
                  k.prefix,
                  k.scopes.join(","),
                  k.createdAt.toISOString(),
                  k.expiresAt?.toISOString(),
                  k.lastUsedAt?.toISOString(),
                  k.revokedAt?.toISOString(),
                ]),
              ),
        );
      });
    });

  keys
    .command("revoke")
    .description("revoke a key by id (it stops working within a second, in every server)")
    .argument("<id>")
    .action(async (id: string, _options: unknown, command: Command) => {
      if (!/^\d+$/.test(id)) throw new UsageError(`key id must be a number, got "${id}"`);
      await withLake(command.optsWithGlobals<GlobalOptions>(), async (lake, out) => {
        noteAuditTarget({ details: { key_id: Number(id) } });
        const key = await lake.catalog.revokeApiKey(Number(id));
        out.data(apiKeyRecord(key), () => `Revoked key ${key.id} "${key.name}"`);
      });
    });
}
