import katex from "katex";
import type { GraphEdge, GraphNode } from "../engine/graph/types.js";
import { h } from "./dom.js";
import { displayLabel, type GraphModel } from "./model.js";
import { asMatrix, fmt, fmtShape, isScalar, isSummary, maxAbs, shapeOf, type Value } from "./values.js";

/**
 * The side panel for the selected node: its value and gradient in full, its local
 * gradient as a formula, and the chain rule in numbers — upstream × local = downstream
 * for each input, and the sum of what arrives where the value fans out.
 */

export interface DetailsOptions {
  /** where a line number is a link to the source (the scratchpad has none) */
  onRevealLine?: (line: number) => void;
}

export function renderDetails(el: HTMLElement, model: GraphModel | undefined, id: string | null, opts: DetailsOptions): void {
  el.replaceChildren();
  const node = id && model ? model.node(id) : undefined;
  if (!model || !node) {
    el.append(
      h("p", { class: "hint" }, "Select a node to see its local gradient and how its gradient is made."),
      h("p", { class: "hint" }, "Arrow keys move between nodes, Tab walks them in forward order, Enter shows a node's line."),
    );
    return;
  }
  const header = h("div", { class: "details-head" }, h("h2", {}, displayLabel(node)), h("vscode-badge", { variant: "counter", class: "op-badge" }, node.op));
  if (node.line !== null && opts.onRevealLine) {
    const line = node.line;
    header.append(h("vscode-button", { secondary: true, class: "line-link", onClick: () => opts.onRevealLine!(line), title: "Show this line in the editor" }, `line ${line}`));
  }
  el.append(header);
  if (node.describe) el.append(h("p", { class: "describe" }, node.describe));

  const shape = node.shape.length ? node.shape : shapeOf(node.value);
  el.append(section(shape.length ? `Value ${fmtShape(shape)}` : "Value", valueBlock(node.value)));
  const gradTitle = `Gradient ∂L/∂${shortName(node)}`;
  el.append(section(gradTitle, node.grad === null ? h("p", { class: "muted" }, "No gradient flows to this node.") : valueBlock(node.grad)));

  const ins = model.inEdges.get(node.id) ?? [];
  if (node.local) {
    const tex = h("div", { class: "formula" });
    katex.render(node.local, tex, { throwOnError: false, displayMode: true });
    el.append(section("Local gradient", tex));
  } else if (!ins.length) {
    el.append(section("Local gradient", h("p", { class: "muted" }, `A source (${node.op}): its gradient is the sum of what arrives from the nodes that use it.`)));
  }

  if (ins.length && node.grad !== null) el.append(section("Backward through this node", backwardTable(model, node, ins)));
  const outs = model.outEdges.get(node.id) ?? [];
  if (node.id === model.graph.output) {
    el.append(section("Gradient arriving", h("p", {}, isScalar(node.value) ? "This is the output L: ∂L/∂L = 1 starts the backward pass." : "This is the output: the backward pass starts from ones (L is the sum of its elements).")));
  } else if (outs.length && node.grad !== null) {
    el.append(section("Gradient arriving", arrivingTable(model, node, outs)));
  }
}

function section(title: string, body: Node): HTMLElement {
  return h("section", {}, h("h3", {}, title), body);
}

function shortName(n: GraphNode): string {
  if (n.name) return n.name;
  return n.label.length <= 24 ? `(${n.label})` : `(${n.label.slice(0, 22)}…)`;
}

/** upstream × local = downstream for each input of the node. */
function backwardTable(model: GraphModel, node: GraphNode, ins: GraphEdge[]): HTMLElement {
  const upstream = node.grad!;
  const rows = ins.map((e) => {
    const input = model.node(e.from)!;
    const down = e.grad;
    // The graph carries upstream and downstream gradients; for scalars the local
    // factor is their ratio (unknown where nothing flows).
    let local = "·";
    if (isScalar(upstream) && typeof down === "number" && upstream !== 0 && Number.isFinite(upstream)) local = fmt(down / upstream);
    return h(
      "tr",
      {},
      h("td", { class: "who" }, displayLabel(input)),
      h("td", { class: "num" }, briefCell(upstream)),
      h("td", { class: "op" }, "×"),
      h("td", { class: "num local" }, local),
      h("td", { class: "op" }, "="),
      h("td", { class: "num down" }, down === undefined ? "?" : down === null ? "none" : briefCell(down)),
    );
  });
  return h(
    "table",
    { class: "chain" },
    h("thead", {}, h("tr", {}, h("th", {}, "to input"), h("th", {}, "upstream"), h("th", {}), h("th", {}, "local"), h("th", {}), h("th", {}, "downstream"))),
    h("tbody", {}, ...rows),
  );
}

/** Where a value is used more than once, the gradients from each use add up. */
function arrivingTable(model: GraphModel, node: GraphNode, outs: GraphEdge[]): HTMLElement {
  const rows = outs.map((e) => h("tr", {}, h("td", { class: "who" }, `from ${displayLabel(model.node(e.to)!)}`), h("td", { class: "num" }, e.grad === undefined || e.grad === null ? "?" : briefCell(e.grad))));
  const wrap = h("div", {});
  if (outs.length > 1) {
    wrap.append(h("p", { class: "fanout" }, `${shortName(node)} is used ${outs.length} times: the gradients arriving add up.`));
    rows.push(h("tr", { class: "sum" }, h("td", { class: "who" }, `sum = ∂L/∂${shortName(node)}`), h("td", { class: "num" }, briefCell(node.grad!))));
  }
  wrap.append(h("table", { class: "arriving" }, h("tbody", {}, ...rows)));
  return wrap;
}

function briefCell(v: Value): string {
  if (isScalar(v)) return fmt(v);
  if (isSummary(v)) return `${fmtShape(v.shape)} mean ${fmt(v.mean)}`;
  const m = asMatrix(v);
  return m.data.length <= 4 ? `[${m.data.map(fmt).join(", ")}]` : fmtShape(shapeOf(v));
}

/** A number, a small table coloured like a heatmap, or a summary of a big array. */
export function valueBlock(v: Value): HTMLElement {
  if (isScalar(v)) return h("div", { class: `scalar${Number.isFinite(v) ? "" : " bad"}` }, fmt(v));
  if (isSummary(v)) {
    const rows: [string, string][] = [
      ["shape", fmtShape(v.shape)],
      ["min", fmt(v.min)],
      ["max", fmt(v.max)],
      ["mean", fmt(v.mean)],
      ["first", v.head.map(fmt).join(", ") + (v.head.length < v.shape.reduce((a, b) => a * b, 1) ? ", …" : "")],
    ];
    if (v.nonFinite) rows.push(["NaN/Inf", String(v.nonFinite)]);
    return h("table", { class: "summary" }, h("tbody", {}, ...rows.map(([k, val]) => h("tr", { class: k === "NaN/Inf" ? "bad" : undefined }, h("th", {}, k), h("td", {}, val)))));
  }
  const m = asMatrix(v);
  const scale = maxAbs(m.data) || 1;
  const body = h("tbody", {});
  for (let r = 0; r < m.rows; r++) {
    const tr = h("tr", {});
    for (let c = 0; c < m.cols; c++) {
      const x = m.data[r * m.cols + c];
      const td = h("td", { class: !Number.isFinite(x) ? "bad" : x > 0 ? "pos" : x < 0 ? "neg" : "zero" }, fmt(x));
      // The CSSOM, not a style attribute: the page's policy allows only the former.
      if (Number.isFinite(x)) td.style.setProperty("--heat", (Math.abs(x) / scale).toFixed(2));
      tr.append(td);
    }
    body.append(tr);
  }
  return h("table", { class: "array" }, body);
}
