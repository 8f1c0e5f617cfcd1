import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { LspClient } from "../support/lsp-client.ts";

/** The language server through a real JSON-RPC connection, as an editor drives it. */

const SOURCE = `import numpy as np

def two_layer(X, W1, b1):
    """
    - X: Input data, of shape (N, D)
    - W1: (D, H)
    - b1: (H,)
    """
    z1 = X @ W1 + b1
    h1 = np.maximum(0, z1)
    return h1.sum()
`;
const uri = "file:///work/two_layer.py";
let client: LspClient;

before(async () => {
  client = new LspClient();
  await client.initialize();
});
after(async () => {
  await client.stop();
});

test("hover shows the shape, how it was reached, where the dims came from and the gradient's shape", async () => {
  const opened = client.nextDiagnostics(uri);
  await client.open(uri, SOURCE);
  assert.deepEqual(await opened, []);
  const h = await client.hover(uri, 8, 5);
  assert.ok(h, "a hover over z1");
  const text = h.contents.value;
  assert.match(text, /\*\*z1\*\*: `\(N, H\)`/);
  assert.match(text, /X \(N, D\) @ W1 \(D, H\) → \(N, H\); \+ b1 \(H,\) broadcasts → \(N, H\)/);
  assert.match(text, /N from X's docstring/);
  assert.match(text, /∂L\/∂z1: `\(N, H\)`/);
  const onUse = await client.hover(uri, 9, 24);
  assert.match(onUse!.contents.value, /\*\*z1\*\*: `\(N, H\)`/, "hovering a use of z1 works too");
  assert.equal(await client.hover(uri, 0, 0), null, "nothing to say over `import`");
});

test("inlay hints follow inferred assignment targets", async () => {
  const hints = await client.inlayHints(uri, 20);
  const labels = hints.map((h) => `${h.position.line}:${h.position.character} ${h.label}`);
  assert.deepEqual(labels, ["8:6 : (N, H)", "9:6 : (N, H)"]);
});

test("an edit that breaks a matmul is published as an error on its line", async () => {
  const next = client.nextDiagnostics(uri, (d) => d.length > 0);
  await client.edit(uri, { start: { line: 10, character: 0 }, end: { line: 10, character: 0 } }, "    bad = np.ones((2, 3)) @ np.ones((4, 5))\n");
  const diagnostics = await next;
  assert.equal(diagnostics.length, 1);
  assert.equal(diagnostics[0].severity, 1);
  assert.match(diagnostics[0].message, /cannot matmul \(2, 3\) @ \(4, 5\)/);
  assert.equal(diagnostics[0].range.start.line, 10);
  const cleared = client.nextDiagnostics(uri, (d) => d.length === 0);
  await client.edit(uri, { start: { line: 10, character: 0 }, end: { line: 11, character: 0 } }, "");
  assert.deepEqual(await cleared, []);
  const h = await client.hover(uri, 8, 5);
  assert.match(h!.contents.value, /`\(N, H\)`/, "the incremental re-parse leaves z1 as it was");
});

test("a certain clash offers a transpose fix that makes it go away", async () => {
  const u = "file:///work/fix.py";
  const opened = client.nextDiagnostics(u);
  await client.open(u, "import numpy as np\nA = np.zeros((10, 5))\nB = np.ones((10, 4))\nC = A @ B\n");
  const [d] = await opened;
  assert.match(d.message, /\(10, 5\) @ \(10, 4\)/);
  const actions = await client.codeActions(u, d.range, [d]);
  assert.equal(actions.length, 1);
  assert.match(actions[0].title, /A\.T/);
  const [edit] = actions[0].edit.changes[u];
  const cleared = client.nextDiagnostics(u, (x) => x.length === 0);
  await client.edit(u, edit.range, edit.newText);
  assert.deepEqual(await cleared, []);
});

test("settings are honoured live", async () => {
  await client.changeSettings({ inlayHints: false, hover: false });
  // The server pulls settings asynchronously after the notification.
  let hints = await client.inlayHints(uri, 20);
  for (let i = 0; i < 50 && hints.length; i++) {
    await new Promise((r) => setTimeout(r, 20));
    hints = await client.inlayHints(uri, 20);
  }
  assert.deepEqual(hints, []);
  assert.equal(await client.hover(uri, 9, 5), null);
  await client.changeSettings({});
  for (let i = 0; i < 50 && hints.length === 0; i++) {
    await new Promise((r) => setTimeout(r, 20));
    hints = await client.inlayHints(uri, 20);
  }
  assert.ok(hints.length > 0);
});

test("a file that is not Python the server can read still answers", async () => {
  const u = "file:///work/junk.py";
  const opened = client.nextDiagnostics(u);
  await client.open(u, "\uFFFD\u0000 def (((( x = = @ \n" + "(".repeat(600));
  assert.ok(Array.isArray(await opened));
  assert.equal(await client.hover(u, 0, 3), null);
});

test("an op GradLens does not know is said once in the output channel, however often it is analysed", async () => {
  const u = "file:///work/unknown_op.py";
  const opened = client.nextDiagnostics(u);
  await client.open(u, "import numpy as np\ndef f(x):  # x: (N, D)\n    y = np.frobnicate(x)\n    return y\n");
  assert.deepEqual(await opened, []);
  for (let i = 0; i < 3; i++) {
    const next = client.nextDiagnostics(u);
    await client.edit(u, { start: { line: 3, character: 12 }, end: { line: 3, character: 12 } }, " ");
    await next;
  }
  const hover = await client.hover(u, 2, 4);
  assert.match(hover!.contents.value, /array of unknown shape/);
  const said = client.log.filter((m) => m.includes("np.frobnicate"));
  assert.equal(said.length, 1, said.join("\n"));
  assert.match(said[0], /unknown_op\.py: .*np\.frobnicate is not in GradLens's op table/);
});
