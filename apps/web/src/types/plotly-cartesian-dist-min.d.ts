// Plotly's prebuilt cartesian bundle (bar, box, violin, scatter, heatmap, …: every trace the dashboard draws, at a
// third of the full bundle's size) has the same API as plotly.js, whose types describe it.
declare module "plotly.js-cartesian-dist-min" {
  import * as Plotly from "plotly.js";
  export default Plotly;
}
