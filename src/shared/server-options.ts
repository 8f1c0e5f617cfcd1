/**
 * Node flags for the language server process. Each re-analysis makes short-lived
 * garbage; a small young generation keeps the editor-resident server's memory
 * near what it really holds (measured: `npm run bench`, the memory figure).
 */
export const SERVER_NODE_ARGS: readonly string[] = ["--max-semi-space-size=1"];
