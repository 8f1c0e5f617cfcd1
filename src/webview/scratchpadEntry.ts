import { scratchGraph } from "./scratchpad.js";

// A bundle of its own, loaded when the Scratchpad tab first opens: mathjs is most of
// the panel's code and evaluating it at start-up would delay the graph.
(globalThis as { gradlensScratchpad?: { scratchGraph: typeof scratchGraph } }).gradlensScratchpad = { scratchGraph };
