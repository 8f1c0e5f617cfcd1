import type { GraphEdge, GraphNode } from "../engine/graph/types.js";
import { layoutKey, quickLayout, type Box, type EdgeSpec, type Layout } from "./layout.js";
import { LayoutClient } from "./layoutClient.js";
import { GraphModel, displayLabel, stepAt, stepCount } from "./model.js";
import { asMatrix, brief, countNonFinite, fmt, fmtShape, isScalar, isSummary, maxAbs, shapeOf, type Value } from "./values.js";

/**
 * The graph drawn as SVG: boxes for nodes with their values and gradients, edges with
 * shapes and the gradient flowing back, pan and zoom, selection, keyboard navigation
 * and the step-through of the forward and backward passes.
 *
 * Big graphs stay responsive: the layout runs in a worker (a quick layout shows first
 * if it takes long), elements are made in slices between which the browser can paint
 * and handle input, only what is on screen is in the DOM, and a value-only change
 * reuses the previous layout. Measured by test/webview on a 1,000-node graph: no
 * main-thread task over ~60 ms.
 */

const SVG = "http://www.w3.org/2000/svg";
const PAD = 8;
const ROW = 15;
const MIN_W = 112;
const MAX_W = 300;
const HEAT_W = 140;
const HEAT_H = 72;
/** Nodes made per slice: 15–50 ms of work each, measured on this project's machines. */
const SLICE = 150;
/** Below this zoom, boxes are drawn without their text (unreadable there anyway). */
const FAR_ZOOM = 0.35;
/** How long a layout may take before the quick one is drawn in its place. */
const QUICK_AFTER_MS = 150;

export interface GraphViewOptions {
  onSelect(node: GraphNode | null): void;
  /** a click, or Enter on a node */
  onActivate(node: GraphNode): void;
  onStep?(step: ReturnType<typeof stepAt>): void;
  /** `failure`: why ELK gave no layout, so the quick one stays */
  onLayout?(layout: Layout, nodes: number, failure?: string): void;
  onViewChange?(view: View): void;
  label: string;
}

export interface View {
  x: number;
  y: number;
  k: number;
}

type Prim =
  | { kind: "text"; cls: string; x: number; y: number; text: string; anchor?: "end" }
  | { kind: "heat"; cls: string; x: number; y: number; cell: number; rows: number; cols: number; data: number[] };

interface Plan {
  box: Box;
  prims: Prim[];
  title: string;
  /** y of the value and gradient rows, where "?" stands while stepping */
  valueY: number;
  gradY: number;
}

export class GraphView {
  readonly element: HTMLDivElement;
  private readonly svg: SVGSVGElement;
  private readonly viewport: SVGGElement;
  private readonly layers: { edges: SVGGElement; nodes: SVGGElement };
  private readonly layoutClient: LayoutClient;
  private readonly measureCtx: CanvasRenderingContext2D | null;
  private readonly arrowRef: string;
  private size = { width: 0, height: 0 };
  /** nodes and edges kept out of the DOM because they are off screen */
  private detached = new Set<string>();
  private contentEls = new Map<string, SVGGElement>();
  private edgeBoxes = new Map<string, [number, number, number, number]>();

  model: GraphModel | undefined;
  layout: Layout | undefined;
  private layoutKeyNow = "";
  private nodeEls = new Map<string, SVGGElement>();
  private nodeFlags = new Map<string, number>();
  private edgeFlags = new Map<string, number>();
  private edgeEls = new Map<string, { path: SVGPathElement; label: SVGTextElement | null; edge: GraphEdge }>();
  private plans = new Map<string, Plan>();
  private generation = 0;
  private view: View = { x: 0, y: 0, k: 1 };
  private viewSet = false;
  selected: string | null = null;
  private lineHighlight: number | null = null;
  step = -1;
  private fonts = { label: "600 12px sans-serif", small: "11px sans-serif", mono: "11px monospace" };

  constructor(private readonly opts: GraphViewOptions, layoutClient?: LayoutClient) {
    this.layoutClient = layoutClient ?? new LayoutClient();
    this.element = document.createElement("div");
    this.element.className = "graph-view";
    this.svg = svg("svg", { class: "graph-svg", role: "group", "aria-label": opts.label });
    const defs = svg("defs", {}, this.svg);
    // In user units, so a highlighted (thicker) edge keeps a normal arrowhead.
    const marker = svg("marker", { id: `arrow-${uid}`, viewBox: "0 0 10 10", refX: "9", refY: "5", markerWidth: "8", markerHeight: "8", markerUnits: "userSpaceOnUse", orient: "auto-start-reverse" }, defs);
    svg("path", { d: "M 0 0 L 10 5 L 0 10 z", class: "arrow" }, marker);
    this.arrowRef = `url(#arrow-${uid++})`;
    this.viewport = svg("g", { class: "viewport" }, this.svg);
    this.layers = { edges: svg("g", { class: "edges" }, this.viewport), nodes: svg("g", { class: "nodes" }, this.viewport) };
    this.element.append(this.svg);
    this.measureCtx = document.createElement("canvas").getContext("2d");
    // The drawing's size, kept up to date without asking the browser for it: asking
    // (getBoundingClientRect) right after adding a thousand nodes forces their layout.
    new ResizeObserver((entries) => {
      const r = entries[entries.length - 1].contentRect;
      this.size = { width: r.width, height: r.height };
      // Until the user moves the view, it follows the panel's size.
      if (this.layout && !this.viewSet) this.fit();
      else this.cull();
    }).observe(this.svg);
    this.wireEvents();
  }

  /** Draws a graph; resolves once every node is on screen (the final layout may follow). */
  async setGraph(model: GraphModel, keep: { selected?: string | null; step?: number; view?: View } = {}): Promise<void> {
    const gen = ++this.generation;
    this.readFonts();
    const previous = this.model;
    this.model = model;
    this.selected = keep.selected !== undefined ? keep.selected : this.selected;
    if (this.selected && !model.node(this.selected)) this.selected = null;
    this.step = Math.min(keep.step ?? -1, stepCount(model) - 1);
    if (keep.view) {
      this.view = keep.view;
      this.viewSet = true;
    } else if (previous && previous.graph.function !== model.graph.function) {
      this.viewSet = false;
    }
    this.element.dataset.state = "layout";

    this.plans = new Map(model.graph.nodes.map((n) => [n.id, this.plan(n)]));
    const boxes = model.graph.nodes.map((n) => this.plans.get(n.id)!.box);
    const edges: EdgeSpec[] = model.graph.edges.map((e) => ({ id: model.edgeIds.get(e)!, from: e.from, to: e.to }));
    const key = layoutKey(boxes, edges);

    let layout: Layout;
    let pendingElk: Promise<Layout> | undefined;
    if (key === this.layoutKeyNow && this.layout) {
      layout = this.layout;
    } else {
      pendingElk = this.layoutClient.available ? this.layoutClient.layout(boxes, edges) : undefined;
      const first = pendingElk
        ? await Promise.race([pendingElk.catch(() => undefined), delay(QUICK_AFTER_MS).then(() => undefined)])
        : undefined;
      if (gen !== this.generation) return;
      layout = first ?? quickLayout(boxes, edges);
      if (first) pendingElk = undefined;
    }
    this.layout = layout;
    this.layoutKeyNow = pendingElk ? "" : key;
    // The view is settled before the nodes are made, so those outside it never enter the DOM.
    if (!this.viewSet) this.fit();
    await this.build(gen);
    if (gen !== this.generation) return;
    this.applyView();
    this.applyClasses();
    this.element.dataset.state = pendingElk ? "arranging" : "ready";
    this.opts.onLayout?.(layout, boxes.length);

    if (pendingElk) {
      let failure: string | undefined;
      const elk = await pendingElk.catch((e: Error) => {
        failure = e.message;
        return undefined;
      });
      if (gen !== this.generation) return;
      if (elk) {
        this.layout = elk;
        this.layoutKeyNow = key;
        this.applyLayout(elk);
        if (!this.viewSet) this.fit();
        this.opts.onLayout?.(elk, boxes.length);
      } else {
        this.opts.onLayout?.(layout, boxes.length, failure);
      }
      this.element.dataset.state = "ready";
    }
  }

  /** What a node's box holds and how big it is; the size depends only on label, op and shapes, so a value-only edit keeps the layout. */
  private plan(n: GraphNode): Plan {
    const prims: Prim[] = [];
    const op = n.op;
    const opW = this.measure(op, this.fonts.small);
    const fullTitle = displayLabel(n);
    const titleRoom = MAX_W - opW - 3 * PAD;
    const title = this.clip(fullTitle, this.fonts.label, titleRoom);
    const heatW = (v: Value | null) => (v !== null && !isScalar(v) && !isSummary(v) ? heatDims(v).width : 0);
    let w = Math.max(MIN_W, this.measure(title, this.fonts.label) + opW + 3 * PAD, heatW(n.value) + 2 * PAD, heatW(n.grad) + 2 * PAD);
    w = Math.ceil(Math.min(MAX_W, w));
    let y = 17;
    prims.push({ kind: "text", cls: "title", x: PAD, y, text: title });
    prims.push({ kind: "text", cls: "op", x: w - PAD, y, text: op, anchor: "end" });
    if (n.describe) {
      y += 14;
      prims.push({ kind: "text", cls: "describe", x: PAD, y, text: this.clip(n.describe.split(/[:\s]/)[0], this.fonts.small, w - 2 * PAD) });
    }
    const row = (kind: "val" | "grad", v: Value | null): number => {
      y += ROW + 1;
      const at = y;
      const sym = kind === "val" ? "=" : "∇";
      if (v === null) {
        prims.push({ kind: "text", cls: `${kind} none`, x: PAD, y, text: "no gradient" });
      } else if (isScalar(v)) {
        prims.push({ kind: "text", cls: `${kind}${Number.isFinite(v) ? "" : " bad"}`, x: PAD, y, text: `${sym} ${fmt(v)}` });
      } else if (isSummary(v)) {
        prims.push({ kind: "text", cls: `${kind}${v.nonFinite ? " bad" : ""}`, x: PAD, y, text: this.clip(`${sym} ${brief(v)}`, this.fonts.mono, w - 2 * PAD) });
      } else {
        const m = asMatrix(v);
        const d = heatDims(v);
        prims.push({ kind: "text", cls: `${kind} caption${countNonFinite(v) ? " bad" : ""}`, x: PAD, y, text: `${sym} ${fmtShape(shapeOf(v))}` });
        prims.push({ kind: "heat", cls: kind, x: PAD, y: y + 4, cell: d.cell, rows: m.rows, cols: m.cols, data: m.data });
        y += 4 + d.height;
      }
      return at;
    };
    const valueY = row("val", n.value);
    const gradY = row("grad", n.grad);
    return { box: { id: n.id, width: w, height: y + PAD }, prims, title: fullTitle, valueY, gradY };
  }

  private async build(gen: number): Promise<void> {
    const model = this.model!;
    const nodesLayer = svg("g", { class: "nodes" });
    const edgesLayer = svg("g", { class: "edges" });
    this.layers.nodes.replaceWith(nodesLayer);
    this.layers.edges.replaceWith(edgesLayer);
    this.layers.nodes = nodesLayer;
    this.layers.edges = edgesLayer;
    this.nodeEls = new Map();
    this.edgeEls = new Map();
    this.nodeFlags = new Map();
    this.edgeFlags = new Map();
    this.detached = new Set();
    this.contentEls = new Map();
    this.edgeBoxes = new Map();
    const view = this.viewRect();
    const far = this.view.k < FAR_ZOOM;
    const layout = this.layout!;

    const edges = model.graph.edges;
    for (let i = 0; i < edges.length; i += SLICE * 2) {
      for (const e of edges.slice(i, i + SLICE * 2)) {
        const id = model.edgeIds.get(e)!;
        const path = svg("path", { class: "edge", "marker-end": this.arrowRef, "data-id": id });
        const text = edgeText(model, e);
        const label = text !== null ? svg("text", { class: `edge-label${text.grad ? " grad" : ""}` }) : null;
        if (label) label.textContent = text!.text;
        this.edgeEls.set(id, { path, label, edge: e });
      }
      this.placeEdges(layout, i, i + SLICE * 2);
      let j = 0;
      for (const [id, e] of this.edgeEls) {
        if (j++ < i) continue;
        const b = this.edgeBoxes.get(id);
        if (b && intersects(b, view)) {
          edgesLayer.append(e.path);
          if (e.label && !far) edgesLayer.append(e.label);
        } else this.detached.add(id);
      }
      if (edges.length > SLICE * 2) {
        await yieldToBrowser();
        if (gen !== this.generation) return;
      }
    }
    const nodes = model.graph.nodes;
    for (let i = 0; i < nodes.length; i += SLICE) {
      for (const n of nodes.slice(i, i + SLICE)) {
        const g = this.buildNode(n, this.plans.get(n.id)!);
        const p = layout.nodes.get(n.id);
        if (p) g.setAttribute("transform", `translate(${p.x},${p.y})`);
        if (far) this.contentEls.get(n.id)!.remove();
        if (this.nodeInView(n.id, view)) nodesLayer.append(g);
        else this.detached.add(n.id);
      }
      this.element.dataset.rendered = String(Math.min(nodes.length, i + SLICE));
      if (nodes.length > SLICE) {
        await yieldToBrowser();
        if (gen !== this.generation) return;
      }
    }
  }

  private buildNode(n: GraphNode, plan: Plan): SVGGElement {
    const g = svg("g", {
      class: `node op-${cssIdent(n.op)}${n.id === this.model!.graph.output ? " output" : ""}${countNonFinite(n.value) || countNonFinite(n.grad) ? " nonfinite" : ""}`,
      "data-id": n.id,
      tabindex: "-1",
      role: "button",
      "aria-label": ariaLabel(n),
    });
    const tip = svg("title", {}, g);
    tip.textContent = `${plan.title}\nvalue ${brief(n.value)}${n.grad === null ? "" : `\ngradient ${brief(n.grad)}`}${n.line !== null ? `\nline ${n.line}` : ""}`;
    svg("rect", { class: "box", width: String(plan.box.width), height: String(plan.box.height), rx: "4" }, g);
    // Text and heatmaps apart from the box, so a zoomed-out view can draw boxes alone.
    const content = svg("g", { class: "content" }, g);
    this.contentEls.set(n.id, content);
    for (const p of plan.prims) {
      if (p.kind === "text") {
        const t = svg("text", { class: p.cls, x: String(p.x), y: String(p.y), ...(p.anchor ? { "text-anchor": p.anchor } : {}) }, content);
        t.textContent = p.text;
      } else {
        const heat = svg("g", { class: `heat ${p.cls}`, transform: `translate(${p.x},${p.y})` }, content);
        const scale = maxAbs(p.data) || 1;
        p.data.forEach((v, i) => {
          const r = Math.floor(i / p.cols), c = i % p.cols;
          const cls = !Number.isFinite(v) ? "bad" : v > 0 ? "pos" : v < 0 ? "neg" : "zero";
          svg("rect", {
            class: `cell ${cls}`,
            x: String(c * p.cell),
            y: String(r * p.cell),
            width: String(p.cell),
            height: String(p.cell),
            "fill-opacity": Number.isFinite(v) ? (0.12 + 0.88 * Math.abs(v) / scale).toFixed(2) : "1",
          }, heat);
        });
        svg("rect", { class: "heat-frame", width: String(p.cols * p.cell), height: String(p.rows * p.cell) }, heat);
      }
    }
    // What stands in for a value or gradient not yet reached while stepping.
    svg("text", { class: "val-q", x: String(PAD), y: String(plan.valueY) }, content).textContent = "= ?";
    if (n.grad !== null) svg("text", { class: "grad-q", x: String(PAD), y: String(plan.gradY) }, content).textContent = "∇ ?";
    this.nodeEls.set(n.id, g);
    return g;
  }

  private applyLayout(layout: Layout) {
    for (const [id, g] of this.nodeEls) {
      const p = layout.nodes.get(id);
      if (p) g.setAttribute("transform", `translate(${p.x},${p.y})`);
    }
    this.placeEdges(layout, 0, Infinity);
    this.cull();
  }

  private placeEdges(layout: Layout, from: number, to: number) {
    let i = 0;
    for (const [id, e] of this.edgeEls) {
      if (i++ < from) continue;
      if (i > to) break;
      const pts = layout.edges.get(id);
      if (!pts || pts.length < 2) continue;
      e.path.setAttribute("d", `M${pts.map((p) => `${p[0].toFixed(1)},${p[1].toFixed(1)}`).join("L")}`);
      let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
      for (const [x, y] of pts) {
        x0 = Math.min(x0, x);
        y0 = Math.min(y0, y - 14);
        x1 = Math.max(x1, x);
        y1 = Math.max(y1, y);
      }
      this.edgeBoxes.set(id, [x0, y0, x1, y1]);
      if (e.label) {
        // Just before the arrowhead: that stretch lies in the gap between two layers.
        const [a, b] = [pts[pts.length - 2], pts[pts.length - 1]];
        const len = Math.hypot(b[0] - a[0], b[1] - a[1]) || 1;
        const t = Math.max(0, 1 - 30 / len);
        e.label.setAttribute("x", (a[0] + (b[0] - a[0]) * t).toFixed(1));
        e.label.setAttribute("y", (a[1] + (b[1] - a[1]) * t - 4).toFixed(1));
      }
    }
  }

  // ---- selection, highlighting, stepping ----------------------------------------

  select(id: string | null, opts: { focus?: boolean; reveal?: boolean } = {}) {
    const model = this.model;
    if (!model) return;
    if (id && !model.node(id)) return;
    this.selected = id;
    this.applyClasses();
    const node = id ? model.node(id)! : null;
    // Visible first: a node off screen is not in the DOM and cannot take the focus.
    if (id) this.ensureVisible(id);
    if (id && opts.focus) this.nodeEls.get(id)?.focus({ preventScroll: true });
    this.opts.onSelect(node);
    if (node && opts.reveal) this.opts.onActivate(node);
  }

  highlightLine(line: number | null) {
    this.lineHighlight = line;
    this.applyClasses();
    const first = line !== null ? this.model?.byLine.get(line)?.[0] : undefined;
    if (first && !this.isVisible(first.id)) this.ensureVisible(first.id);
  }

  get steps(): number {
    return this.model ? stepCount(this.model) : 0;
  }

  setStep(index: number) {
    if (!this.model) return;
    this.step = Math.max(-1, Math.min(index, this.steps - 1));
    const at = stepAt(this.model, this.step);
    if (at) this.select(at.nodeId);
    else this.applyClasses();
    this.opts.onStep?.(at);
  }

  /** Classes for selection, the cursor's line and the step position, on every node and edge. */
  private applyClasses() {
    const model = this.model;
    if (!model) return;
    const at = stepAt(model, this.step);
    let valued: Set<string> | null = null;
    let graded: Set<string> | null = null;
    if (at?.phase === "forward") {
      valued = new Set(model.forward.slice(0, at.position));
      graded = new Set();
    } else if (at?.phase === "backward") {
      graded = new Set(model.backward.slice(0, at.position));
    }
    const onLine = this.lineHighlight !== null ? new Set((model.byLine.get(this.lineHighlight) ?? []).map((n) => n.id)) : null;
    let tabStop = this.selected ?? model.forward[0];
    if (tabStop && !this.nodeEls.has(tabStop)) tabStop = model.forward[0];
    // Only what changed is written: on a 1,000-node graph, rewriting every node's
    // classes and attributes on each step costs a restyle of the whole drawing.
    for (const [id, g] of this.nodeEls) {
      const flags =
        (id === this.selected ? 1 : 0) |
        (at?.nodeId === id ? 2 : 0) |
        (onLine?.has(id) ? 4 : 0) |
        (valued && !valued.has(id) ? 8 : 0) |
        (graded && !graded.has(id) ? 16 : 0) |
        (id === tabStop ? 32 : 0);
      if (this.nodeFlags.get(id) === flags) continue;
      this.nodeFlags.set(id, flags);
      const c = g.classList;
      c.toggle("selected", !!(flags & 1));
      c.toggle("current", !!(flags & 2));
      c.toggle("on-line", !!(flags & 4));
      c.toggle("pending-value", !!(flags & 8));
      c.toggle("pending-grad", !!(flags & 16));
      g.setAttribute("tabindex", flags & 32 ? "0" : "-1");
      g.setAttribute("aria-pressed", flags & 1 ? "true" : "false");
    }
    for (const [id, { path, label, edge }] of this.edgeEls) {
      const flags =
        (edge.from === this.selected || edge.to === this.selected ? 1 : 0) |
        (at?.phase === "forward" && edge.to === at.nodeId ? 2 : 0) |
        (at?.phase === "backward" && edge.to === at.nodeId ? 4 : 0) |
        (graded && !graded.has(edge.to) ? 8 : 0);
      if (this.edgeFlags.get(id) === flags) continue;
      this.edgeFlags.set(id, flags);
      path.classList.toggle("related", !!(flags & 1));
      path.classList.toggle("flow", !!(flags & 2));
      path.classList.toggle("flow-back", !!(flags & 4));
      label?.classList.toggle("pending-grad", !!(flags & 8));
    }
    this.element.dataset.step = String(this.step);
  }

  // ---- view ---------------------------------------------------------------------

  private svgSize(): { width: number; height: number } {
    if (!this.size.width && this.svg.isConnected) {
      const r = this.svg.getBoundingClientRect();
      this.size = { width: r.width, height: r.height };
    }
    return this.size;
  }

  /** The part of the drawing on screen, in layout units, with half a screen to spare. */
  private viewRect(): ViewRect {
    const { width, height } = this.svgSize();
    const { x, y, k } = this.view;
    if (!width) return [-Infinity, -Infinity, Infinity, Infinity];
    const mx = width / 2 / k, my = height / 2 / k;
    return [-x / k - mx, -y / k - my, (width - x) / k + mx, (height - y) / k + my];
  }

  private nodeInView(id: string, r: ViewRect): boolean {
    const p = this.layout?.nodes.get(id);
    const b = this.plans.get(id)?.box;
    return !!p && !!b && intersects([p.x, p.y, p.x + b.width, p.y + b.height], r);
  }

  /**
   * Keeps in the DOM only what is on screen (with a margin), and zoomed far out only
   * the boxes: Chromium lays out every SVG element in the tree, even under
   * `display: none`, so a 1,000-node drawing would cost a quarter of a second per frame.
   */
  private cull(all = false) {
    if (!this.layout) return;
    const r: ViewRect = all ? [-Infinity, -Infinity, Infinity, Infinity] : this.viewRect();
    const far = !all && this.view.k < FAR_ZOOM;
    for (const [id, g] of this.nodeEls) {
      const want = this.nodeInView(id, r);
      if (want === this.detached.has(id)) {
        if (want) this.layers.nodes.append(g);
        else g.remove();
        if (want) this.detached.delete(id);
        else this.detached.add(id);
      }
      const content = this.contentEls.get(id)!;
      if (want && far === (content.parentNode === g)) {
        if (far) content.remove();
        else g.append(content);
      }
    }
    for (const [id, e] of this.edgeEls) {
      const b = this.edgeBoxes.get(id);
      const want = !!b && intersects(b, r);
      if (want === this.detached.has(id)) {
        if (want) {
          this.layers.edges.append(e.path);
          this.detached.delete(id);
        } else {
          e.path.remove();
          e.label?.remove();
          this.detached.add(id);
        }
      }
      if (want && e.label && far === !!e.label.parentNode) {
        if (far) e.label.remove();
        else this.layers.edges.append(e.label);
      }
    }
  }

  private fitView(): View {
    const l = this.layout;
    const r = this.svgSize();
    if (!l || !r.width || !r.height) return { x: 0, y: 0, k: 1 };
    const k = Math.max(0.2, Math.min(1.25, (r.width - 24) / l.width, (r.height - 24) / l.height));
    return { k, x: (r.width - l.width * k) / 2, y: Math.max(12, (r.height - l.height * k) / 2) };
  }

  fit() {
    const l = this.layout;
    if (!l) return;
    this.view = this.fitView();
    // Too big to read at any fitting scale: start at the result, where backprop starts.
    const out = this.model && l.nodes.get(this.model.graph.output);
    const r = this.svgSize();
    if (out && this.view.k <= 0.2 && r.width) {
      this.view = { k: 0.6, x: r.width - 40 - (out.x + (this.plans.get(this.model!.graph.output)?.box.width ?? 0)) * 0.6, y: r.height / 2 - out.y * 0.6 };
    }
    this.viewSet = false;
    this.applyView();
  }

  zoom(factor: number, cx?: number, cy?: number) {
    const r = this.svgSize();
    const px = cx ?? r.width / 2, py = cy ?? r.height / 2;
    const k = Math.max(0.05, Math.min(4, this.view.k * factor));
    const f = k / this.view.k;
    this.view = { k, x: px - (px - this.view.x) * f, y: py - (py - this.view.y) * f };
    this.viewSet = true;
    this.applyView();
  }

  getView(): View {
    return { ...this.view };
  }

  private applyView() {
    this.viewport.setAttribute("transform", `translate(${this.view.x.toFixed(1)},${this.view.y.toFixed(1)}) scale(${this.view.k.toFixed(4)})`);
    this.cull();
    this.opts.onViewChange?.(this.getView());
  }

  private nodeRect(id: string) {
    const p = this.layout?.nodes.get(id);
    const b = this.plans.get(id)?.box;
    if (!p || !b) return null;
    const { x, y, k } = this.view;
    return { left: x + p.x * k, top: y + p.y * k, right: x + (p.x + b.width) * k, bottom: y + (p.y + b.height) * k };
  }

  private isVisible(id: string): boolean {
    const n = this.nodeRect(id);
    const r = this.svgSize();
    return !!n && n.left >= 0 && n.top >= 0 && n.right <= r.width && n.bottom <= r.height;
  }

  private ensureVisible(id: string) {
    const n = this.nodeRect(id);
    const r = this.svgSize();
    if (!n || !r.width || this.isVisible(id)) return;
    this.view = { ...this.view, x: this.view.x + r.width / 2 - (n.left + n.right) / 2, y: this.view.y + r.height / 2 - (n.top + n.bottom) / 2 };
    this.viewSet = true;
    this.applyView();
  }

  // ---- input ------------------------------------------------------------------

  private wireEvents() {
    const nodeOf = (t: EventTarget | null) => (t instanceof Element ? (t.closest(".node") as SVGGElement | null) : null);
    this.svg.addEventListener("click", (e) => {
      const g = nodeOf(e.target);
      if (g?.dataset.id) this.select(g.dataset.id, { focus: true, reveal: true });
    });
    this.svg.addEventListener("keydown", (e) => this.onKey(e));
    this.svg.addEventListener(
      "wheel",
      (e) => {
        e.preventDefault();
        const r = this.svg.getBoundingClientRect();
        if (e.ctrlKey || e.metaKey) this.zoom(Math.exp(-e.deltaY * 0.002), e.clientX - r.left, e.clientY - r.top);
        else {
          this.view = { ...this.view, x: this.view.x - e.deltaX, y: this.view.y - e.deltaY };
          this.viewSet = true;
          this.applyView();
        }
      },
      { passive: false },
    );
    let drag: { x: number; y: number; vx: number; vy: number; id: number } | null = null;
    this.svg.addEventListener("pointerdown", (e) => {
      if (nodeOf(e.target) || e.button !== 0) return;
      drag = { x: e.clientX, y: e.clientY, vx: this.view.x, vy: this.view.y, id: e.pointerId };
      this.svg.setPointerCapture(e.pointerId);
      this.svg.classList.add("panning");
    });
    this.svg.addEventListener("pointermove", (e) => {
      if (!drag || e.pointerId !== drag.id) return;
      this.view = { ...this.view, x: drag.vx + e.clientX - drag.x, y: drag.vy + e.clientY - drag.y };
      this.viewSet = true;
      this.applyView();
    });
    const end = (e: PointerEvent) => {
      if (drag && e.pointerId === drag.id) {
        drag = null;
        this.svg.classList.remove("panning");
      }
    };
    this.svg.addEventListener("pointerup", end);
    this.svg.addEventListener("pointercancel", end);
  }

  private onKey(e: KeyboardEvent) {
    const model = this.model;
    if (!model) return;
    const g = e.target instanceof Element ? (e.target.closest(".node") as SVGGElement | null) : null;
    const id = g?.dataset.id ?? this.selected;
    if (!id) return;
    const order = model.forward;
    const move = (to: string | undefined) => {
      if (!to) return;
      e.preventDefault();
      this.select(to, { focus: true });
    };
    switch (e.key) {
      case "ArrowLeft":
      case "ArrowRight":
      case "ArrowUp":
      case "ArrowDown":
        move(this.neighbour(id, e.key));
        break;
      case "Tab": {
        // Tab walks the nodes in forward order; at either end it leaves the graph as usual.
        const i = order.indexOf(id) + (e.shiftKey ? -1 : 1);
        if (i >= 0 && i < order.length) move(order[i]);
        break;
      }
      case "Home":
        move(order[0]);
        break;
      case "End":
        move(order[order.length - 1]);
        break;
      case "Enter":
      case " ": {
        e.preventDefault();
        this.select(id, { focus: true, reveal: e.key === "Enter" });
        break;
      }
      case "Escape":
        (document.activeElement as HTMLElement | null)?.blur();
        break;
      case "+":
      case "=":
        this.zoom(1.2);
        break;
      case "-":
        this.zoom(1 / 1.2);
        break;
    }
  }

  /** The nearest node in the arrow's direction: distance along it, with sideways distance weighing double. */
  private neighbour(id: string, key: string): string | undefined {
    const layout = this.layout;
    const here = layout?.nodes.get(id);
    const hb = this.plans.get(id)?.box;
    if (!layout || !here || !hb) return undefined;
    const [dx, dy] = key === "ArrowLeft" ? [-1, 0] : key === "ArrowRight" ? [1, 0] : key === "ArrowUp" ? [0, -1] : [0, 1];
    const cx = here.x + hb.width / 2, cy = here.y + hb.height / 2;
    let best: string | undefined;
    let bestScore = Infinity;
    for (const [other, p] of layout.nodes) {
      if (other === id) continue;
      const b = this.plans.get(other)?.box;
      if (!b) continue;
      const ox = p.x + b.width / 2 - cx, oy = p.y + b.height / 2 - cy;
      const along = ox * dx + oy * dy;
      if (along <= 1) continue;
      const side = Math.abs(ox * dy - oy * dx);
      const score = along + 2 * side;
      if (score < bestScore) {
        bestScore = score;
        best = other;
      }
    }
    return best;
  }

  // ---- export -----------------------------------------------------------------

  /** The drawing as a standalone SVG, with the theme's colours and fonts written into it. */
  toSvg(): { text: string; width: number; height: number } {
    const l = this.layout;
    const width = Math.ceil(l?.width ?? 100), height = Math.ceil(l?.height ?? 100);
    // The file holds the whole drawing, with its text, whatever part the panel shows.
    this.cull(true);
    const clone = this.svg.cloneNode(true) as SVGSVGElement;
    copyPresentation(this.svg, clone);
    this.cull();
    clone.setAttribute("xmlns", SVG);
    clone.setAttribute("width", String(width));
    clone.setAttribute("height", String(height));
    clone.setAttribute("viewBox", `0 0 ${width} ${height}`);
    clone.removeAttribute("class");
    clone.querySelector(".viewport")?.removeAttribute("transform");
    const bg = document.createElementNS(SVG, "rect");
    bg.setAttribute("width", "100%");
    bg.setAttribute("height", "100%");
    bg.setAttribute("fill", getComputedStyle(this.element).backgroundColor || "white");
    clone.insertBefore(bg, clone.firstChild);
    Array.from(clone.querySelectorAll("[tabindex]")).forEach((el) => el.removeAttribute("tabindex"));
    return { text: new XMLSerializer().serializeToString(clone), width, height };
  }

  // ---- text -------------------------------------------------------------------

  private readFonts() {
    const cs = getComputedStyle(this.element);
    const family = cs.getPropertyValue("--vscode-font-family").trim() || cs.fontFamily || "sans-serif";
    const mono = cs.getPropertyValue("--vscode-editor-font-family").trim() || "monospace";
    this.fonts = { label: `600 12px ${family}`, small: `11px ${family}`, mono: `11px ${mono}` };
  }

  private measure(text: string, font: string): number {
    if (!this.measureCtx) return text.length * 7;
    this.measureCtx.font = font;
    return this.measureCtx.measureText(text).width;
  }

  /** `text`, cut with an ellipsis to fit `width` pixels. */
  private clip(text: string, font: string, width: number): string {
    if (this.measure(text, font) <= width) return text;
    let lo = 0, hi = text.length;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.measure(text.slice(0, mid) + "…", font) <= width) lo = mid;
      else hi = mid - 1;
    }
    return text.slice(0, lo) + "…";
  }
}

let uid = 0;

/** x0, y0, x1, y1 */
type ViewRect = [number, number, number, number];

function intersects(a: ViewRect, b: ViewRect): boolean {
  return a[0] <= b[2] && a[2] >= b[0] && a[1] <= b[3] && a[3] >= b[1];
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string>, parent?: Element): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  parent?.append(el);
  return el;
}

function heatDims(v: Value): { cell: number; width: number; height: number } {
  const m = asMatrix(v as never);
  const cell = Math.max(2, Math.min(10, HEAT_W / Math.max(1, m.cols), HEAT_H / Math.max(1, m.rows)));
  return { cell, width: m.cols * cell, height: m.rows * cell };
}

/** An edge's label: the shape it carries if an array, else the gradient flowing back along it. */
function edgeText(model: GraphModel, e: GraphEdge): { text: string; grad: boolean } | null {
  const from = model.node(e.from);
  const shape = from?.shape ?? [];
  if (shape.length) return { text: fmtShape(shape), grad: false };
  if (typeof e.grad === "number") return { text: `∇ ${fmt(e.grad)}`, grad: true };
  return null;
}

function ariaLabel(n: GraphNode): string {
  const parts = [displayLabel(n), n.op, `value ${brief(n.value)}`];
  parts.push(n.grad === null ? "no gradient" : `gradient ${brief(n.grad)}`);
  if (n.line !== null) parts.push(`line ${n.line}`);
  return parts.join(", ");
}

function cssIdent(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]/g, "_");
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Lets the browser paint and handle input between slices of DOM work. */
function yieldToBrowser(): Promise<void> {
  const s = (globalThis as { scheduler?: { yield?: () => Promise<void> } }).scheduler;
  if (s?.yield) return s.yield();
  return new Promise((r) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => r();
    ch.port2.postMessage(null);
  });
}

const PRESENTATION = ["fill", "fill-opacity", "stroke", "stroke-width", "stroke-dasharray", "opacity", "font-family", "font-size", "font-weight", "font-style", "visibility"] as const;

/** Copies the computed look onto the clone as presentation attributes (not `style`, which this page's policy forbids). */
function copyPresentation(src: Element, dst: Element) {
  const cs = getComputedStyle(src);
  if (cs.display === "none") {
    dst.remove();
    return;
  }
  if (src instanceof SVGElement && !(src instanceof SVGSVGElement) && src.tagName !== "g" && src.tagName !== "defs" && src.tagName !== "marker") {
    for (const p of PRESENTATION) {
      const v = cs.getPropertyValue(p);
      if (v) dst.setAttribute(p, v);
    }
  } else if (src instanceof SVGGElement) {
    const o = cs.getPropertyValue("opacity");
    if (o && o !== "1") dst.setAttribute("opacity", o);
  }
  if (src.tagName === "marker") {
    const path = src.firstElementChild, dpath = dst.firstElementChild;
    if (path && dpath) dpath.setAttribute("fill", getComputedStyle(path).fill);
    return;
  }
  const a = src.children, b = Array.from(dst.children);
  for (let i = 0; i < a.length; i++) if (b[i]) copyPresentation(a[i], b[i]);
}
