import { createDuckDbEngine } from "@omicslake/expression";
import { describeEngineConformance } from "./engine-conformance.js";

describeEngineConformance("duckdb", () => createDuckDbEngine({ threads: 2 }));
