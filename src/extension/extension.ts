import * as path from "node:path";
import * as vscode from "vscode";
import { SERVER_NODE_ARGS } from "../shared/server-options.js";
import { registerGraphPanel } from "./graphPanel.js";
import { registerChecks } from "./checks.js";
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from "vscode-languageclient/node";

/**
 * Activation: start the shape language server for Python documents and register the
 * commands. Kept thin and cheap: it runs on `onLanguage:python`.
 */

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel("GradLens", { log: true });
  context.subscriptions.push(output);
  registerGraphPanel(context, output);
  registerChecks(context, output);

  const serverModule = context.asAbsolutePath(path.join("dist", "server.js"));
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: [...SERVER_NODE_ARGS] } },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: [...SERVER_NODE_ARGS, "--nolazy", "--inspect=6011"] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "python" },
      { scheme: "untitled", language: "python" },
      { scheme: "vscode-notebook-cell", language: "python" },
    ],
    synchronize: { configurationSection: "gradlens" },
    initializationOptions: { shapes: vscode.workspace.getConfiguration("gradlens").get("shapes") },
    outputChannel: output,
  };
  client = new LanguageClient("gradlens", "GradLens shapes", serverOptions, clientOptions);

  context.subscriptions.push(
    vscode.commands.registerCommand("gradlens.showOutput", () => output.show(true)),
    vscode.commands.registerCommand("gradlens.restartServer", async () => {
      await client?.restart();
      output.info("Shape server restarted.");
    }),
  );

  try {
    await client.start();
  } catch (e) {
    output.error(`The shape server did not start: ${(e as Error).message}`);
    void vscode.window.showErrorMessage("GradLens: the shape server did not start. See the GradLens output for details.", "Show Output").then((choice) => {
      if (choice) output.show(true);
    });
  }
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
