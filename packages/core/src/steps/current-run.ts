import { AsyncLocalStorage } from "node:async_hooks";

/**
 * The run the current async call chain works inside (set by Lake.withRun). The catalog reads it so
 * every dataset a run creates records its creator and every object write counts toward that run's
 * version of the dataset, whichever flow made the write (the lake, or a flow calling the catalog).
 */
export const currentRunId = new AsyncLocalStorage<number>();
