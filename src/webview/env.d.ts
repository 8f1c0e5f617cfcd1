// Ambient declarations for the webview bundle.

/** `import source from "worker:./file.ts"`: the file bundled for a Web Worker, as text (see esbuild.mjs). */
declare module "worker:*" {
  const source: string;
  export default source;
}

interface VsCodeWebviewApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeWebviewApi;
