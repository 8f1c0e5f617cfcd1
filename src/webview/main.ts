import "@vscode-elements/elements/dist/vscode-badge/index.js";
import "@vscode-elements/elements/dist/vscode-button/index.js";
import "@vscode-elements/elements/dist/vscode-progress-ring/index.js";
import "@vscode-elements/elements/dist/vscode-tab-header/index.js";
import "@vscode-elements/elements/dist/vscode-tab-panel/index.js";
import "@vscode-elements/elements/dist/vscode-tabs/index.js";
import "@vscode-elements/elements/dist/vscode-textfield/index.js";
import katex from "katex";
import type { ComputationGraph, GraphNode } from "../engine/graph/types.js";
import { isHostMessage, type HostMessage, type PanelMessage } from "../shared/protocol.js";
import { renderDetails } from "./details.js";
import { h } from "./dom.js";
import { GraphView, type View } from "./graphView.js";
import { LayoutClient } from "./layoutClient.js";
import { GraphModel, displayLabel, type StepPosition } from "./model.js";
import type { scratchGraph as ScratchGraph } from "./scratchpad.js";
import { splitTopLevel } from "./text.js";
import { brief, fmt, isSummary } from "./values.js";

/**
 * The graph panel's webview: the function's graph with step controls, inputs and
 * export, and the scratchpad. Everything it receives is checked against the protocol
 * first; what it keeps across hide/show is in `vscode.setState` (the panel does not
 * retain its context while hidden, so it is rebuilt from that state and a fresh graph).
 */

interface PanelState {
  tab: number;
  fn?: string;
  selected: string | null;
  step: number;
  view?: View;
  inputsText?: string;
  scratch: { expression: string; values: string; selected: string | null };
}

const vscode = acquireVsCodeApi();
// Read while this script runs: the scratchpad's bundle is loaded later with the same nonce.
const ownScript = document.currentScript as HTMLScriptElement | null;
const saved = vscode.getState() as Partial<PanelState> | undefined;
const state: PanelState = {
  tab: typeof saved?.tab === "number" ? saved.tab : 0,
  fn: typeof saved?.fn === "string" ? saved.fn : undefined,
  selected: typeof saved?.selected === "string" ? saved.selected : null,
  step: typeof saved?.step === "number" ? saved.step : -1,
  view: isView(saved?.view) ? saved.view : undefined,
  inputsText: typeof saved?.inputsText === "string" ? saved.inputsText : undefined,
  scratch: {
    expression: typeof saved?.scratch?.expression === "string" ? saved.scratch.expression : "(x + y) * max(y, z)",
    values: typeof saved?.scratch?.values === "string" ? saved.scratch.values : "x = 1, y = 2, z = 0",
    selected: typeof saved?.scratch?.selected === "string" ? saved.scratch.selected : null,
  },
};

let saveTimer: ReturnType<typeof setTimeout> | undefined;
function save() {
  clearTimeout(saveTimer);
  saveTimer = setTimeout(() => vscode.setState(state), 100);
}

function post(m: PanelMessage) {
  vscode.postMessage(m);
}

// ---- the function's graph ----------------------------------------------------

const layoutClient = new LayoutClient();
const details = h("aside", { class: "details", id: "details", "aria-live": "polite" });
const messages = h("div", { class: "messages", id: "messages", role: "status" });
const stepStatus = h("span", { class: "step-status", id: "step-status", "aria-live": "polite" });
const layoutStatus = h("span", { class: "layout-status", id: "layout-status" });
const title = h("span", { class: "title", id: "title" }, "Computation graph");
const busy = h("vscode-progress-ring", { id: "busy", class: "busy", hidden: true, "aria-label": "Updating" });
const inputsField = h("vscode-textfield", { id: "inputs", placeholder: "x = 1, y = 2, z = 0", "aria-label": "Input values" }) as HTMLElement & { value: string };
const inputSource = h("span", { class: "input-source muted", id: "input-source" });
const inputsError = h("div", { class: "inputs-error", id: "inputs-error", role: "alert" });

let model: GraphModel | undefined;
let busyTimer: ReturnType<typeof setTimeout> | undefined;
let hostError: { message: string; line?: number } | null = null;
let inputsDirty = false;

const view = new GraphView(
  {
    label: "Computation graph",
    onSelect: (node) => {
      state.selected = node?.id ?? null;
      save();
      renderDetails(details, model, state.selected, { onRevealLine: (line) => post({ type: "revealLine", line }) });
    },
    onActivate: (node) => {
      if (node.line !== null) post({ type: "revealNode", nodeId: node.id });
    },
    onStep: (at) => showStep(at),
    onLayout: (layout, n, failure) => {
      layoutStatus.textContent =
        `${layout.engine === "elk" ? "ELK" : "quick"} layout of ${n.toLocaleString("en")} nodes: ${Math.round(layout.ms).toLocaleString("en")} ms` +
        (failure ? ` (ELK failed: ${failure})` : layout.engine === "quick" ? "; arranging…" : "");
      view.element.dataset.layout = layout.engine;
      view.element.dataset.layoutMs = String(Math.round(layout.ms));
    },
    onViewChange: (v) => {
      state.view = v;
      save();
    },
  },
  layoutClient,
);
view.element.id = "graph";
// Over the drawing rather than in the toolbar, so that stepping never resizes the drawing.
view.element.append(stepStatus);

const button = (id: string, text: string, onClick: () => void, opts: { secondary?: boolean; title?: string } = {}) =>
  h("vscode-button", { id, secondary: opts.secondary, title: opts.title, onClick }, text);

const stepBack = button("step-back", "◀ Back", () => view.setStep(view.step - 1), { secondary: true, title: "Step back" });
const stepNext = button("step", "Step ▶", () => view.setStep(view.step + 1), { title: "Forward pass node by node, then the backward pass" });
const stepReset = button("step-reset", "Show all", () => view.setStep(-1), { secondary: true, title: "Leave stepping: every value and gradient" });

function updateStepControls() {
  stepBack.toggleAttribute("disabled", view.step < 0);
  stepNext.toggleAttribute("disabled", !model || view.step >= view.steps - 1);
}

function showStep(at: StepPosition | null) {
  state.step = view.step;
  save();
  post({ type: "stepNode", nodeId: at?.nodeId ?? null });
  updateStepControls();
  if (!at || !model) {
    stepStatus.textContent = "";
    return;
  }
  const n = model.node(at.nodeId)!;
  stepStatus.textContent =
    at.phase === "forward"
      ? `Forward ${at.position}/${at.of}: ${displayLabel(n)} = ${brief(n.value)}`
      : `Backward ${at.position}/${at.of}: ∂L/∂${n.name ?? n.label} = ${n.grad === null ? "none" : brief(n.grad)}`;
}

async function exportImage(format: "svg" | "png") {
  const { text, width, height } = view.toSvg();
  if (format === "svg") {
    post({ type: "exportImage", format, data: text });
    return;
  }
  // Canvases have a size limit; a huge graph is scaled down to fit it.
  const scale = Math.min(2, 8192 / Math.max(width, height));
  const img = new Image();
  img.src = `data:image/svg+xml;base64,${btoa(unescape(encodeURIComponent(text)))}`;
  await img.decode();
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.round(width * scale));
  canvas.height = Math.max(1, Math.round(height * scale));
  const ctx = canvas.getContext("2d")!;
  ctx.scale(scale, scale);
  ctx.drawImage(img, 0, 0, width, height);
  post({ type: "exportImage", format, data: canvas.toDataURL("image/png").split(",")[1] });
}

function applyInputs() {
  const text = inputsField.value.trim();
  const inputs: Record<string, string> = {};
  for (const part of splitTopLevel(text)) {
    const m = /^\s*([A-Za-z_]\w*)\s*=\s*(.+?)\s*$/s.exec(part);
    if (!m) {
      inputsError.textContent = `Expected name = value, got "${part.trim()}".`;
      return;
    }
    inputs[m[1]] = m[2];
  }
  inputsError.textContent = "";
  inputsDirty = false;
  state.inputsText = text;
  save();
  post({ type: "setInputs", inputs });
}

inputsField.addEventListener("input", () => {
  inputsDirty = true;
});
inputsField.addEventListener("keydown", (e) => {
  if ((e as KeyboardEvent).key === "Enter") applyInputs();
});

const graphPane = h(
  "div",
  { class: "pane graph-pane" },
  h(
    "div",
    { class: "toolbar" },
    title,
    h("span", { class: "group", role: "group", "aria-label": "Step through the passes" }, stepBack, stepNext, stepReset),
    h("span", { class: "spacer" }),
    busy,
    button("fit", "Fit", () => view.fit(), { secondary: true, title: "Fit the graph to the panel" }),
    button("export-svg", "Export SVG", () => void exportImage("svg"), { secondary: true }),
    button("export-png", "Export PNG", () => void exportImage("png"), { secondary: true }),
  ),
  h(
    "div",
    { class: "inputs-row" },
    h("label", { for: "inputs" }, "Inputs"),
    inputsField,
    button("apply-inputs", "Apply", applyInputs, { title: "Evaluate the graph at these values (empty: back to the directive or random values)" }),
    button("reseed", "Re-seed", () => post({ type: "reseed" }), { secondary: true, title: "New random values for the inputs not given" }),
    inputSource,
  ),
  inputsError,
  messages,
  h("div", { class: "main" }, view.element, details),
  h("div", { class: "footer" }, layoutStatus),
);

function renderMessages() {
  messages.replaceChildren();
  const banner = (kind: "error" | "warning" | "info", text: string, line?: number) => {
    const b = h("div", { class: `banner ${kind}` }, h("span", {}, text));
    if (line !== undefined) b.append(h("vscode-button", { secondary: true, onClick: () => post({ type: "revealLine", line }) }, `Go to line ${line}`));
    messages.append(b);
  };
  if (hostError) banner("error", hostError.message, hostError.line);
  const g = model?.graph;
  if (!g) return;
  if (g.stoppedAt) banner("warning", `The graph stops at line ${g.stoppedAt.line}: ${g.stoppedAt.message}. Everything before it is shown.`, g.stoppedAt.line);
  if (!g.nodes.length && !g.stoppedAt) banner("info", `${g.function} has nothing to draw.`);
  const bad = model!.nonFinite();
  if (bad.length) {
    const list = bad.slice(0, 5).map((b) => `${displayLabel(b.node)} (${b.where.join(" and ")}${b.node.line !== null ? `, line ${b.node.line}` : ""})`);
    banner("warning", `NaN or Inf in ${bad.length} node${bad.length > 1 ? "s" : ""}: ${list.join("; ")}${bad.length > 5 ? "; …" : ""}.`, bad[0].node.line ?? undefined);
  }
  // The engine notes NaN/Inf too; the banner above already names those nodes.
  for (const note of g.notes) if (!(bad.length && /NaN or infinite/.test(note))) banner("info", note);
}

function inputsAsText(g: ComputationGraph): string {
  return Object.entries(g.inputs)
    .map(([k, v]) => `${k} = ${JSON.stringify(v)}`)
    .join(", ");
}

async function showGraph(msg: Extract<HostMessage, { type: "graph" }>) {
  const g = msg.graph;
  const sameFunction = state.fn === g.function;
  const restoring = sameFunction && !model;
  if (sameFunction && model?.graph.nodes.length && !g.nodes.length && g.stoppedAt) {
    // Mid-edit (a half-typed def line, say) nothing can be built: keep the last drawing.
    hostError = { message: `${g.stoppedAt.message} (line ${g.stoppedAt.line}). The drawing is the last graph that could be built.`, line: g.stoppedAt.line };
    renderMessages();
    return;
  }
  if (!sameFunction) {
    state.fn = g.function;
    state.selected = null;
    state.step = -1;
    state.view = undefined;
  }
  model = new GraphModel(g);
  hostError = null;
  title.textContent = `${g.function} · ${msg.file}`;
  title.title = msg.file;
  if (!inputsDirty && document.activeElement !== inputsField) inputsField.value = inputsAsText(g);
  const hidden = Object.keys(g.inputs).length < g.nodes.filter((n) => n.op === "input").length;
  inputSource.textContent =
    (g.inputSource === "directive" ? "from the # gradcheck: directive" : g.inputSource === "given" ? "given here" : `random, seed ${g.seed}`) +
    (hidden ? " · large inputs are not listed" : "");
  renderMessages();
  await view.setGraph(model, { selected: state.selected, step: sameFunction ? state.step : -1, view: restoring ? state.view : undefined });
  renderDetails(details, model, view.selected, { onRevealLine: (line) => post({ type: "revealLine", line }) });
  if (view.step >= 0) view.setStep(view.step);
  else showStep(null);
}

// ---- the scratchpad ------------------------------------------------------------

const scratchExpr = h("vscode-textfield", { id: "scratch-expr", "aria-label": "Expression", placeholder: "(x + y) * max(y, z)" }) as HTMLElement & { value: string };
const scratchValues = h("vscode-textfield", { id: "scratch-values", "aria-label": "Values", placeholder: "x = 1, y = 2, z = 0" }) as HTMLElement & { value: string };
const scratchMessages = h("div", { class: "messages", id: "scratch-messages", role: "status" });
const scratchGrads = h("div", { class: "scratch-grads", id: "scratch-grads" });
const scratchDetails = h("aside", { class: "details", id: "scratch-details", "aria-live": "polite" });
let scratchModel: GraphModel | undefined;
const scratchView = new GraphView(
  {
    label: "Scratchpad graph",
    onSelect: (node: GraphNode | null) => {
      state.scratch.selected = node?.id ?? null;
      save();
      renderDetails(scratchDetails, scratchModel, state.scratch.selected, {});
    },
    onActivate: () => undefined,
  },
  layoutClient,
);
scratchView.element.id = "scratch-graph";

let scratchpad: Promise<{ scratchGraph: typeof ScratchGraph }> | undefined;
function loadScratchpad(): Promise<{ scratchGraph: typeof ScratchGraph }> {
  scratchpad ??= new Promise((resolve, reject) => {
    const s = document.createElement("script");
    s.nonce = ownScript?.nonce ?? "";
    s.src = new URL("scratchpad.js", ownScript?.src ?? location.href).toString();
    s.onload = () => {
      const mod = (globalThis as { gradlensScratchpad?: { scratchGraph: typeof ScratchGraph } }).gradlensScratchpad;
      if (mod) resolve(mod);
      else reject(new Error("the scratchpad's code did not load"));
    };
    s.onerror = () => reject(new Error("the scratchpad's code could not be loaded"));
    document.head.append(s);
  });
  return scratchpad;
}

let scratchTimer: ReturnType<typeof setTimeout> | undefined;
function scheduleScratch() {
  clearTimeout(scratchTimer);
  scratchTimer = setTimeout(() => void drawScratch(), 250);
}

async function drawScratch() {
  state.scratch.expression = scratchExpr.value;
  state.scratch.values = scratchValues.value;
  save();
  let result: ReturnType<typeof ScratchGraph>;
  try {
    const { scratchGraph } = await loadScratchpad();
    scratchMessages.replaceChildren();
    result = scratchGraph(scratchExpr.value, scratchValues.value);
  } catch (e) {
    scratchMessages.replaceChildren(h("div", { class: "banner error" }, (e as Error).message));
    return;
  }
  scratchModel = new GraphModel(result.graph);
  for (const note of result.graph.notes) scratchMessages.append(h("div", { class: "banner info" }, note));
  const bad = scratchModel.nonFinite();
  if (bad.length) scratchMessages.append(h("div", { class: "banner warning" }, `NaN or Inf in: ${bad.map((b) => displayLabel(b.node)).join(", ")}.`));
  scratchGrads.replaceChildren();
  const out = result.graph.nodes.find((n) => n.id === result.graph.output)!;
  scratchGrads.append(h("div", { class: "result" }, `f = ${isSummary(out.value) ? "" : fmt(out.value as number)}`));
  for (const g of result.gradients) {
    const cell = h("div", { class: "grad-item" });
    const tex = `\\frac{\\partial f}{\\partial ${g.name.length === 1 ? g.name : `\\mathrm{${g.name}}`}} = ${g.tex ?? "\\text{(no closed form from mathjs)}"} = ${fmtTex(g.value)}`;
    katex.render(tex, cell, { throwOnError: false });
    scratchGrads.append(cell);
  }
  await scratchView.setGraph(scratchModel, { selected: state.scratch.selected });
  renderDetails(scratchDetails, scratchModel, scratchView.selected, {});
}

function fmtTex(x: number): string {
  return fmt(x).replace("Inf", "\\infty").replace("NaN", "\\text{NaN}");
}

scratchExpr.addEventListener("input", scheduleScratch);
scratchValues.addEventListener("input", scheduleScratch);

const scratchPane = h(
  "div",
  { class: "pane scratch-pane" },
  h(
    "div",
    { class: "toolbar scratch-form" },
    h("label", { for: "scratch-expr" }, "f ="),
    scratchExpr,
    h("label", { for: "scratch-values" }, "at"),
    scratchValues,
    button("scratch-draw", "Draw", () => void drawScratch(), { title: "Parse and differentiate with mathjs" }),
    h("vscode-button", { secondary: true, onClick: () => scratchView.fit() }, "Fit"),
  ),
  scratchMessages,
  scratchGrads,
  h("div", { class: "main" }, scratchView.element, scratchDetails),
);

// ---- the page --------------------------------------------------------------------

// vscode-tabs gives its headers ids of its own; ours are in data-tab.
const tabs = h(
  "vscode-tabs",
  { id: "tabs", "selected-index": state.tab, panel: true },
  h("vscode-tab-header", { slot: "header", "data-tab": "graph" }, "Graph"),
  h("vscode-tab-panel", {}, graphPane),
  h("vscode-tab-header", { slot: "header", "data-tab": "scratch" }, "Scratchpad"),
  h("vscode-tab-panel", {}, scratchPane),
);
let scratchDrawn = false;
tabs.addEventListener("vsc-tabs-select", (e) => {
  state.tab = (e as CustomEvent<{ selectedIndex: number }>).detail.selectedIndex;
  save();
  onTab();
});
function onTab() {
  if (state.tab === 1 && !scratchDrawn) {
    scratchDrawn = true;
    void drawScratch();
  } else if (state.tab === 0 && model) {
    // A hidden tab has no size; fit once it is seen again, unless the user placed the view.
    requestAnimationFrame(() => {
      if (!state.view) view.fit();
    });
  }
}
scratchExpr.value = state.scratch.expression;
scratchValues.value = state.scratch.values;
if (state.inputsText !== undefined) {
  inputsField.value = state.inputsText;
}
document.getElementById("app")!.append(tabs);
renderDetails(details, undefined, null, {});
updateStepControls();
onTab();

window.addEventListener("message", (e: MessageEvent) => {
  const msg = e.data;
  if (!isHostMessage(msg)) {
    console.warn(`GradLens graph panel: ignored a message that does not fit the protocol (type ${JSON.stringify((msg as { type?: unknown })?.type ?? typeof msg)})`);
    return;
  }
  switch (msg.type) {
    case "graph":
      void showGraph(msg);
      break;
    case "error":
      hostError = { message: msg.message, line: msg.line };
      renderMessages();
      break;
    case "inputsError":
      inputsError.textContent = msg.message;
      break;
    case "highlightLine":
      view.highlightLine(msg.line);
      break;
    case "busy":
      // Shown only if the work lasts: a ring flashing on every keystroke is noise.
      clearTimeout(busyTimer);
      if (msg.busy) busyTimer = setTimeout(() => (busy.hidden = false), 150);
      else busy.hidden = true;
      break;
  }
});

post({ type: "ready" });

function isView(v: unknown): v is View {
  return !!v && typeof v === "object" && ["x", "y", "k"].every((k) => typeof (v as Record<string, unknown>)[k] === "number");
}
