// The JSON the asset commands print, in the REST API's snake_case names (the assets package's wire mapping),
// so a script reads one shape from `omicslake assets ls --json` and `GET /v1/assets`.
export {
  assetDetailWire as assetDetailJson,
  assetStatusWire as assetStatusJson,
  materializationWire as materializationJson,
  materializeReportWire as materializeReportJson,
  outcomeWire as outcomeJson,
} from "@omicslake/assets";
