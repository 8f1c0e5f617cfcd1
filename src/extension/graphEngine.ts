// The one place the panel reaches the graph engine: the seam a test or another
// engine build would replace.
export { functionsIn, graphOfFunction, parseInputAssignments } from "../engine/graph/index.js";
export type { FunctionInfo, GraphOptions } from "../engine/graph/index.js";
