import { spawn, type ChildProcess } from "node:child_process";
import { SERVER_NODE_ARGS } from "../../src/shared/server-options.ts";
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from "vscode-jsonrpc/node";

/**
 * A minimal LSP client over stdio for tests and benchmarks: it starts the built
 * server (`dist/server.js`) as the editor would and speaks JSON-RPC to it.
 */
export interface Diagnostic {
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  severity: number;
  message: string;
  code?: string;
}

export class LspClient {
  readonly connection: MessageConnection;
  private readonly proc: ChildProcess;
  settings: Record<string, unknown> = {};
  private diagnosticWaiters: { uri: string; accept: (d: Diagnostic[]) => boolean; resolve: (d: Diagnostic[]) => void }[] = [];
  readonly latestDiagnostics = new Map<string, Diagnostic[]>();
  /** What the server said in its output channel. */
  readonly log: string[] = [];
  private versions = new Map<string, number>();

  constructor(serverPath = "dist/server.js", nodeArgs: readonly string[] = SERVER_NODE_ARGS) {
    this.proc = spawn(process.execPath, [...nodeArgs, serverPath, "--stdio"], { stdio: ["pipe", "pipe", "inherit"] });
    this.connection = createMessageConnection(new StreamMessageReader(this.proc.stdout!), new StreamMessageWriter(this.proc.stdin!));
    this.connection.onRequest("workspace/configuration", (params: { items: { section?: string }[] }) =>
      params.items.map((i) => (i.section === "gradlens.shapes" ? this.settings : {})),
    );
    this.connection.onRequest("client/registerCapability", () => null);
    this.connection.onRequest("workspace/inlayHint/refresh", () => null);
    this.connection.onNotification("window/logMessage", (p: { message: string }) => void this.log.push(p.message));
    this.connection.onNotification("textDocument/publishDiagnostics", (p: { uri: string; diagnostics: Diagnostic[] }) => {
      this.latestDiagnostics.set(p.uri, p.diagnostics);
      this.diagnosticWaiters = this.diagnosticWaiters.filter((w) => {
        if (w.uri === p.uri && w.accept(p.diagnostics)) {
          w.resolve(p.diagnostics);
          return false;
        }
        return true;
      });
    });
    this.connection.listen();
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  async initialize(): Promise<void> {
    await this.connection.sendRequest("initialize", {
      processId: process.pid,
      rootUri: null,
      capabilities: { workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: true } }, textDocument: { inlayHint: {} } },
    });
    await this.connection.sendNotification("initialized", {});
  }

  nextDiagnostics(uri: string, accept: (d: Diagnostic[]) => boolean = () => true, timeoutMs = 5000): Promise<Diagnostic[]> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no diagnostics for ${uri} within ${timeoutMs} ms`)), timeoutMs);
      this.diagnosticWaiters.push({ uri, accept, resolve: (d) => (clearTimeout(timer), resolve(d)) });
    });
  }

  async open(uri: string, text: string): Promise<void> {
    this.versions.set(uri, 1);
    await this.connection.sendNotification("textDocument/didOpen", { textDocument: { uri, languageId: "python", version: 1, text } });
  }

  async edit(uri: string, range: { start: { line: number; character: number }; end: { line: number; character: number } }, text: string): Promise<void> {
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    await this.connection.sendNotification("textDocument/didChange", { textDocument: { uri, version }, contentChanges: [{ range, text }] });
  }

  hover(uri: string, line: number, character: number): Promise<{ contents: { value: string } } | null> {
    return this.connection.sendRequest("textDocument/hover", { textDocument: { uri }, position: { line, character } });
  }

  inlayHints(uri: string, endLine: number): Promise<{ position: { line: number; character: number }; label: string }[]> {
    return this.connection.sendRequest("textDocument/inlayHint", { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: endLine, character: 0 } } });
  }

  codeActions(uri: string, range: Diagnostic["range"], diagnostics: Diagnostic[]): Promise<{ title: string; edit: { changes: Record<string, { range: Diagnostic["range"]; newText: string }[]> } }[]> {
    return this.connection.sendRequest("textDocument/codeAction", { textDocument: { uri }, range, context: { diagnostics } });
  }

  async changeSettings(settings: Record<string, unknown>): Promise<void> {
    this.settings = settings;
    await this.connection.sendNotification("workspace/didChangeConfiguration", { settings: {} });
  }

  async stop(): Promise<void> {
    try {
      await Promise.race([this.connection.sendRequest("shutdown"), new Promise((r) => setTimeout(r, 1000))]);
      await this.connection.sendNotification("exit");
    } catch {
      // the server may already be gone
    }
    this.connection.dispose();
    this.proc.kill();
  }
}
