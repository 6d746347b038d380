import type { SqlClient } from "../catalog-db/sql-client.js";
import type { Catalog } from "./catalog.js";

// The catalog hands no database handle to its users: everything goes through its methods. A few parts of
// core must still share the catalog's database (the serving tables live there so an A/B swap is one
// transaction), and tests inspect and drop what they created. They reach the client through here; this
// module is not exported from @omicslake/core, only from its testing subpath.
const clients = new WeakMap<Catalog, SqlClient>();

/** Records the client a catalog runs on; called by the catalog's constructor. */
export function registerCatalogClient(catalog: Catalog, client: SqlClient): void {
  clients.set(catalog, client);
}

/** The database client `catalog` runs on. */
export function catalogClient(catalog: Catalog): SqlClient {
  const client = clients.get(catalog);
  if (!client) throw new Error("catalogClient: this catalog does not run on a SQL client");
  return client;
}
