export { buildServer, type ServerOptions } from "./app.js";
export type { DashboardOptions } from "./routes/dashboard-routes.js";
export { statusForCode } from "./http/error-status.js";
