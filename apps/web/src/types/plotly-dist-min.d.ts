// The prebuilt Plotly bundle has the same API as plotly.js, whose types describe it.
declare module "plotly.js-dist-min" {
  import * as Plotly from "plotly.js";
  export default Plotly;
}
