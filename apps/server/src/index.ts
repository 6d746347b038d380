export { buildServer, type ServerOptions } from "./app.js";
export { statusForCode } from "./http/error-status.js";
