export type { Column, ColumnType, DataFrame } from "./frame/data-frame.js";
