import { defineConfig } from "vite";

// The API the dev server forwards to (`npx vite`): a running `omicslake serve`.
const api = process.env["OMICSLAKE_API"] ?? "http://127.0.0.1:8000";

export default defineConfig({
  // Preact's JSX runtime, as the tsconfig declares it.
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    // The app has its own /assets/... pages, so the built files live under /static/ instead of Vite's default.
    assetsDir: "static",
    target: "es2022",
    sourcemap: true,
    // Plotly (its cartesian bundle) is one prebuilt file of about 1.5 MB, loaded only by the pages that draw charts.
    chunkSizeWarningLimit: 1600,
  },
  server: {
    proxy: { "/v1": api, "/health": api, "/openapi.json": api, "/docs": api },
  },
});
