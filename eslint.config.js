import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";
import packageBoundaries from "./tools/eslint/package-boundaries.js";

export default tseslint.config(
  {
    ignores: [
      "**/dist/**",
      "**/node_modules/**",
      "**/*.config.*",
      "eslint.config.js",
      ".demo/**",
      ".scratch/**",
      "bench/.data/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { project: ["./tsconfig.test.json"], tsconfigRootDir: import.meta.dirname },
    },
    plugins: { omicslake: { rules: { "package-boundaries": packageBoundaries } } },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/consistent-type-imports": "error",
      // Fastify plugins and route handlers are async by contract even when they await nothing.
      "@typescript-eslint/require-await": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "omicslake/package-boundaries": ["error", { root: import.meta.dirname }],
    },
  },
  // The dashboard runs in browsers: its own tsconfig (DOM, Preact's JSX) and browser globals.
  {
    files: ["apps/web/src/**/*.{ts,tsx}"],
    languageOptions: {
      parserOptions: { project: ["./apps/web/tsconfig.json"], tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.browser },
    },
  },
  // Plain JavaScript outside every tsconfig (the CLI's launcher, benchmarks, scripts, tools): lint without type information.
  {
    files: ["**/*.mjs", "**/*.js"],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      parserOptions: { project: false, projectService: false },
      globals: { ...globals.node },
    },
  },
);
