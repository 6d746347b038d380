/**
 * One versioned schema change. Migrations are TypeScript modules holding SQL text (rather than
 * `.sql` files read at run time) so the compiled package carries them without a copy step.
 */
export interface Migration {
  /** `NNNN_name`; applied in this order and recorded in `schema_migrations`. Never renumber or edit one that shipped. */
  readonly id: string;
  /** Statements separated by `;`, no parameters; runs inside the migrator's transaction. */
  readonly sql: string;
}
