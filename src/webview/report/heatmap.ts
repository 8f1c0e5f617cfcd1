import type { ReportCheck } from "../../shared/reportProtocol.js";
import { h } from "../dom.js";
import { css, type RGB } from "./colours.js";
import { WRAP, cellSize, difference, fmtErr, fmtIndex, fmtNum, fmtScale, fmtShape, gridOf, maxAbs, ravel, sameShape, unravel, type Grid } from "./format.js";
import type { ThemeColours } from "./theme.js";

/**
 * One check's three heatmaps side by side: finite differences, your backward (one
 * symmetric scale for both) and their difference (its own symmetric scale), drawn on
 * canvases at the screen's pixel density, cell edges on whole device pixels. Hovering
 * a cell, or moving the cell cursor with the arrow keys in a focused map, reads that
 * element out in all three; the worst element is outlined in each.
 *
 * A backward of another shape than the input's (a transposed dW of a non-square W)
 * comes in its own shape: then there are two maps, finite differences in the input's
 * shape and your backward in its own, on the one scale, and no difference. Each map
 * is then its own space of cells: hovering or moving in one reads out that map's
 * element at its own index, and the cursor is drawn in that map only.
 */

export type MapKind = "numeric" | "analytic" | "difference";
type Values = NonNullable<ReportCheck["values"]>;

export const MAP_TITLES: Record<MapKind, string> = {
  numeric: "finite differences",
  analytic: "your backward",
  difference: "difference (yours − finite differences)",
};

/** CSS px around the cells, room for the outlines of the worst element and the cursor. */
const PAD = 4;
/** CSS px between the maps (report.css: .maps gap). */
const GAP = 16;
const TABLE_LIMIT = 6;

/**
 * The cells of one shape. Maps of one space show the same elements (finite
 * differences, your backward and their difference of one input); space 0 is the
 * input's shape, where the worst element and the kinks are.
 */
interface Space {
  shape: readonly number[];
  grid: Grid;
}

interface MapView {
  kind: MapKind;
  canvas: HTMLCanvasElement;
  base: HTMLCanvasElement;
  data: readonly (number | null)[];
  half: number;
  /** index into `spaces` */
  space: number;
}

/** A cell: its space and its flat (row-major) index there. */
interface At {
  space: number;
  i: number;
}

export interface CheckMapsOptions {
  /** ids in the page are made from this */
  id: string;
  theme: () => ThemeColours;
  numbersOpen?: boolean;
  onNumbersToggle?: (open: boolean) => void;
}

export class CheckMaps {
  readonly element: HTMLElement;
  /** [the input's shape] or, when your backward has another, [the input's, your backward's] */
  private readonly spaces: Space[];
  private readonly maps: MapView[];
  private readonly kinks: Set<number>;
  private readonly worst: number | null;
  private readonly readout: HTMLElement;
  private readonly bars: HTMLCanvasElement[] = [];
  private cell = 0;
  private dpr = 0;
  private width = 0;
  private hover: At | null = null;
  private cursor: At | null = null;
  /** where the cursor was last in each space, to come back to when a map of it is focused again */
  private readonly lastCursor: (number | null)[] = [];
  /** on screen or near it (an IntersectionObserver says): only such maps are drawn */
  private visible = false;
  private dirty = true;

  constructor(
    check: ReportCheck,
    values: Values,
    private readonly options: CheckMapsOptions,
  ) {
    const input: Space = { shape: check.shape, grid: gridOf(check.shape) };
    const own = values.analyticShape;
    // Your backward in its own shape, when that is not the input's: no element-by-element difference.
    const split = own !== undefined && !sameShape(own, check.shape);
    this.spaces = split ? [input, { shape: own, grid: gridOf(own) }] : [input];
    this.lastCursor = this.spaces.map(() => null);
    const shared = maxAbs(values.numeric, values.analytic);
    const diff = split ? null : difference(values.numeric, values.analytic);
    const diffHalf = diff ? maxAbs(diff) : 0;
    this.kinks = new Set(values.kinks);
    this.worst = check.worst ? ravel(check.worst.index, check.shape) : null;
    if (this.worst !== null && this.worst >= input.grid.n) this.worst = null;

    const mapView = (kind: MapKind, data: readonly (number | null)[], half: number, space: number): MapView => {
      const { shape, grid } = this.spaces[space];
      const canvas = h("canvas", {
        class: "heatmap",
        tabindex: 0,
        role: "img",
        "aria-roledescription": "heatmap",
        "aria-label": `${MAP_TITLES[kind]} of ${check.wrt}${split ? `, shape ${fmtShape(shape)}` : ""}, ${grid.rows} by ${grid.cols}: arrow keys move between cells`,
        "aria-describedby": `${options.id}-readout`,
        "data-map": kind,
        "data-shape": shape.join(","),
        "data-rows": grid.rows,
        "data-cols": grid.cols,
        "data-pad": PAD,
        // no backing store (nor the default 300 × 150 box) until laid out
        width: 0,
        height: 0,
      });
      const view: MapView = { kind, canvas, base: document.createElement("canvas"), data, half, space };
      canvas.addEventListener("mousemove", (e) => this.setHover(this.cellAt(e, view)));
      canvas.addEventListener("mouseleave", () => this.setHover(null));
      canvas.addEventListener("focus", () => {
        if (this.cursor?.space === space || !grid.n) return;
        this.setCursor({ space, i: this.lastCursor[space] ?? this.home(space) });
      });
      canvas.addEventListener("keydown", (e) => this.onKey(e, view));
      return view;
    };
    this.maps = [mapView("numeric", values.numeric, shared, 0), mapView("analytic", values.analytic, shared, split ? 1 : 0)];
    if (diff) this.maps.push(mapView("difference", diff, diffHalf, 0));

    this.readout = h("div", { class: "readout", id: `${options.id}-readout`, "aria-live": "polite" });
    this.showReadout();

    const figures = this.maps.map((m) =>
      h(
        "figure",
        { class: "map", "data-map": m.kind },
        h("figcaption", {}, MAP_TITLES[m.kind], split ? h("span", { class: "map-shape muted" }, ` ${fmtShape(this.spaces[m.space].shape)}`) : null),
        h("div", { class: "canvas-box" }, m.canvas),
      ),
    );
    const missingNumeric = values.numeric.some((x) => x === null);
    const missingAnalytic = values.analytic.some((x) => x === null);
    const keys = h("ul", { class: "keys" });
    if (this.worst !== null)
      keys.append(h("li", {}, h("span", { class: "swatch worst", "aria-hidden": "true" }), split ? "worst element (outlined in finite differences)" : "worst element (outlined)"));
    if (missingNumeric || missingAnalytic)
      keys.append(
        h(
          "li",
          { "data-key": "missing" },
          h("span", { class: "swatch missing", "aria-hidden": "true" }),
          missingNumeric
            ? `hatched grey: no number (${values.numeric.filter((x) => x === null).length} finite differences not measured${check.mode ? ` in ${check.mode} mode` : ""} or not finite${missingAnalytic ? "; your backward not finite" : ""})`
            : "hatched grey: your backward is not finite here",
        ),
      );
    if (this.kinks.size)
      keys.append(
        h(
          "li",
          { "data-key": "kink" },
          h("span", { class: "swatch kink", "aria-hidden": "true" }),
          `dot: on a kink, excluded from the verdict (${this.kinks.size})${split ? "; in finite differences" : ""}`,
        ),
      );
    const legend = h(
      "div",
      { class: "legend" },
      this.scale("values", "finite differences and your backward", shared),
      diff ? this.scale("difference", "difference", diffHalf) : null,
      diff && diffHalf > 0 && shared > 0 && diffHalf / shared < 1e-3
        ? h("p", { class: "muted tiny-difference" }, `The largest difference is ${fmtErr(diffHalf / shared)} of the largest gradient value: its colours show rounding.`)
        : null,
      keys.childElementCount ? keys : null,
    );
    const notes = [...new Set(this.spaces.map((sp) => sp.grid.note).filter((n): n is string => n !== null))];
    this.element = h(
      "div",
      { class: "maps-block", "data-split": split ? "" : undefined },
      split
        ? h(
            "p",
            { class: "shape-mismatch" },
            `Your backward has shape ${fmtShape(own)}, ${check.wrt} has shape ${fmtShape(check.shape)}: they are drawn side by side, each in its own shape; there is no element-by-element difference.`,
          )
        : null,
      h("div", { class: "maps", role: "group", "aria-label": `Heatmaps of the gradient of ${check.wrt}` }, ...figures),
      this.readout,
      legend,
      ...notes.map((n) => h("p", { class: "grid-note muted" }, n)),
      this.numbers(),
    );
  }

  /** Where the cursor starts in a space: the worst element in the input's, else the first. */
  private home(space: number): number {
    return space === 0 ? (this.worst ?? 0) : 0;
  }

  /** Lays the maps out for the width available (from a ResizeObserver); draws them when the size or density changed. */
  layout(width: number): void {
    if (width <= 0) return;
    const dpr = window.devicePixelRatio || 1;
    const k = this.maps.length;
    const perMap = Math.floor((width - (k - 1) * GAP) / k) - 2 * PAD;
    // One cell size for all the maps: of two shapes, each is drawn to the same scale.
    const cell = Math.min(...this.spaces.map((sp) => cellSize(sp.grid, perMap)));
    if (cell === this.cell && dpr === this.dpr && this.width && !this.dirty) return;
    this.width = width;
    this.cell = cell;
    this.dpr = dpr;
    // Sized now, drawn when seen: the page has its final height either way.
    for (const m of this.maps) {
      const [cssW, cssH] = this.cssSize(m);
      m.canvas.style.width = `${cssW}px`;
      m.canvas.style.height = `${cssH}px`;
    }
    this.redraw();
  }

  private gridFor(m: MapView): Grid {
    return this.spaces[m.space].grid;
  }

  private cssSize(m: MapView): [number, number] {
    const { rows, cols } = this.gridFor(m);
    return [cols * this.cell + 2 * PAD, rows * this.cell + 2 * PAD];
  }

  /** The maps came on screen (or near it), or left it: a report of many arrays draws only what is seen. */
  setVisible(visible: boolean): void {
    this.visible = visible;
    if (visible && this.dirty) this.redraw();
  }

  /** Draws everything again (the theme or the pixel density changed); off screen, when next seen. */
  redraw(): void {
    if (!this.cell || !this.visible) {
      this.dirty = true;
      return;
    }
    this.dirty = false;
    this.dpr = window.devicePixelRatio || 1;
    for (const m of this.maps) {
      this.drawBase(m);
      this.drawOverlay(m);
    }
    for (const b of this.bars) this.drawBar(b);
  }

  private scale(which: string, name: string, half: number): HTMLElement {
    const canvas = h("canvas", { class: "bar", "aria-hidden": "true", width: 0, height: 0 });
    this.bars.push(canvas);
    return h(
      "div",
      { class: "scale", "data-scale": which },
      h("span", { class: "scale-name" }, `${name}:`),
      h("span", { class: "scale-end", "data-end": "min" }, half ? fmtScale(-half) : "0"),
      canvas,
      h("span", { class: "scale-end", "data-end": "max" }, half ? fmtScale(half) : "0"),
      half ? null : h("span", { class: "muted" }, "(all zero)"),
    );
  }

  private drawBar(canvas: HTMLCanvasElement) {
    const t = this.options.theme();
    const dpr = window.devicePixelRatio || 1;
    const [w, hh] = [120, 10]; // report.css: .legend canvas.bar
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(hh * dpr);
    const ctx = canvas.getContext("2d");
    if (!ctx) return;
    for (let x = 0; x < canvas.width; x++) {
      ctx.fillStyle = css(t.map.at((2 * (x + 0.5)) / canvas.width - 1, 1));
      ctx.fillRect(x, 0, 1, canvas.height);
    }
    ctx.fillStyle = css(t.foreground);
    const mid = Math.round(canvas.width / 2 - dpr / 2);
    ctx.fillRect(mid, 0, Math.max(1, Math.round(dpr)), canvas.height);
    ctx.strokeStyle = css(t.grid);
    ctx.lineWidth = 1;
    ctx.strokeRect(0.5, 0.5, canvas.width - 1, canvas.height - 1);
  }

  private x(c: number): number {
    return Math.round((PAD + c * this.cell) * this.dpr);
  }

  private y(r: number): number {
    return Math.round((PAD + r * this.cell) * this.dpr);
  }

  private drawBase(m: MapView) {
    const t = this.options.theme();
    const grid = this.gridFor(m);
    const { rows, cols, n } = grid;
    const [cssW, cssH] = this.cssSize(m);
    for (const c of [m.canvas, m.base]) {
      c.width = Math.max(1, Math.round(cssW * this.dpr));
      c.height = Math.max(1, Math.round(cssH * this.dpr));
    }
    m.canvas.style.width = `${cssW}px`;
    m.canvas.style.height = `${cssH}px`;
    m.canvas.dataset.cell = String(this.cell);
    const ctx = m.base.getContext("2d");
    if (!ctx) return;
    ctx.fillStyle = css(t.background);
    ctx.fillRect(0, 0, m.base.width, m.base.height);
    const hatchFill = css(mix(t.background, t.missing, 0.25));
    const missing: number[] = [];
    for (let i = 0; i < n; i++) {
      const r = Math.floor(i / cols);
      const c = i % cols;
      const v = m.data[i];
      if (v === null || v === undefined) {
        missing.push(i);
        ctx.fillStyle = hatchFill;
      } else ctx.fillStyle = css(t.map.at(v, m.half));
      ctx.fillRect(this.x(c), this.y(r), this.x(c + 1) - this.x(c), this.y(r + 1) - this.y(r));
    }
    // Hatching: diagonal lines clipped to each cell without a number.
    ctx.strokeStyle = css(t.missing);
    ctx.lineWidth = Math.max(1, Math.round(this.dpr));
    const step = Math.max(3, Math.round(Math.min(5, this.cell / 2) * this.dpr));
    for (const i of missing) {
      const [x0, y0, x1, y1] = this.rect(i, grid);
      ctx.save();
      ctx.beginPath();
      ctx.rect(x0, y0, x1 - x0, y1 - y0);
      ctx.clip();
      ctx.beginPath();
      for (let s = x0 - (y1 - y0); s < x1; s += step) {
        ctx.moveTo(s, y1);
        ctx.lineTo(s + (y1 - y0), y0);
      }
      ctx.stroke();
      ctx.restore();
    }
    // Cell separators where cells are big enough to take them, and a frame: 0 is the background's own colour.
    const line = Math.max(1, Math.round(this.dpr));
    if (this.cell * this.dpr >= 10) {
      ctx.fillStyle = css(mix(t.background, t.grid, t.highContrast ? 0.8 : 0.45));
      for (let c = 1; c < cols; c++) ctx.fillRect(this.x(c), this.y(0), line, this.y(rows) - this.y(0));
      for (let r = 1; r < rows; r++) ctx.fillRect(this.x(0), this.y(r), this.x(cols) - this.x(0), line);
    }
    ctx.strokeStyle = css(t.grid);
    ctx.lineWidth = line;
    ctx.strokeRect(this.x(0) - line / 2, this.y(0) - line / 2, this.x(cols) - this.x(0) + line, this.y(rows) - this.y(0) + line);
    // Kinks: a dot in the foreground colour, ringed in the background's; they are elements of the input's shape.
    if (m.space !== 0) return;
    for (const k of this.kinks) {
      if (k >= n) continue;
      const [x0, y0, x1, y1] = this.rect(k, grid);
      const radius = Math.max(1.5 * this.dpr, ((x1 - x0) / 2) * 0.4);
      ctx.beginPath();
      ctx.arc((x0 + x1) / 2, (y0 + y1) / 2, radius, 0, 2 * Math.PI);
      ctx.fillStyle = css(t.foreground);
      ctx.fill();
      ctx.lineWidth = Math.max(1, this.dpr);
      ctx.strokeStyle = css(t.background);
      ctx.stroke();
    }
  }

  private rect(i: number, grid: Grid): [number, number, number, number] {
    const r = Math.floor(i / grid.cols);
    const c = i % grid.cols;
    return [this.x(c), this.y(r), this.x(c + 1), this.y(r + 1)];
  }

  /** A ring around cell i, `outer` CSS px out from its edges and `thickness` thick, on whole device pixels. */
  private ring(ctx: CanvasRenderingContext2D, grid: Grid, i: number, colour: RGB, outer: number, thickness: number) {
    const [x0, y0, x1, y1] = this.rect(i, grid);
    const o = Math.round(outer * this.dpr);
    const t = Math.max(1, Math.round(thickness * this.dpr));
    const [l, tp, r, b] = [x0 - o, y0 - o, x1 + o, y1 + o];
    ctx.fillStyle = css(colour);
    ctx.fillRect(l, tp, r - l, t);
    ctx.fillRect(l, b - t, r - l, t);
    ctx.fillRect(l, tp + t, t, b - tp - 2 * t);
    ctx.fillRect(r - t, tp + t, t, b - tp - 2 * t);
  }

  private drawOverlay(m: MapView) {
    const ctx = m.canvas.getContext("2d");
    if (!ctx || !this.cell) return;
    const t = this.options.theme();
    ctx.clearRect(0, 0, m.canvas.width, m.canvas.height);
    ctx.drawImage(m.base, 0, 0);
    const grid = this.gridFor(m);
    // The worst element (of the input's shape): a foreground ring between two background rings, visible on any cell colour.
    if (this.worst !== null && m.space === 0) {
      this.ring(ctx, grid, this.worst, t.background, 3, 1);
      this.ring(ctx, grid, this.worst, t.foreground, 2, 2);
      this.ring(ctx, grid, this.worst, t.background, 0, 1);
    }
    // The cursor (hovered or moved with the keys): a focus-coloured ring further out, in the maps of its space.
    const at = this.hover ?? this.cursor;
    if (at !== null && at.space === m.space) this.ring(ctx, grid, at.i, t.focus, 4, 2);
  }

  private cellAt(e: MouseEvent, m: MapView): At | null {
    if (!this.cell) return null;
    const grid = this.gridFor(m);
    const box = m.canvas.getBoundingClientRect();
    const x = e.clientX - box.left - PAD;
    const y = e.clientY - box.top - PAD;
    if (x < 0 || y < 0) return null;
    const c = Math.floor(x / this.cell);
    const r = Math.floor(y / this.cell);
    if (c >= grid.cols || r >= grid.rows) return null;
    const i = r * grid.cols + c;
    return i < grid.n ? { space: m.space, i } : null;
  }

  private setHover(at: At | null) {
    if (at?.space === this.hover?.space && at?.i === this.hover?.i) return;
    this.hover = at;
    this.changed();
  }

  private setCursor(at: At) {
    this.cursor = at;
    this.lastCursor[at.space] = at.i;
    this.changed();
  }

  private changed() {
    for (const m of this.maps) this.drawOverlay(m);
    this.showReadout();
  }

  private onKey(e: KeyboardEvent, m: MapView) {
    const { rows, cols, n } = this.gridFor(m);
    if (!n) return;
    const at = this.cursor?.space === m.space ? this.cursor.i : (this.lastCursor[m.space] ?? this.home(m.space));
    let r = Math.floor(at / cols);
    let c = at % cols;
    switch (e.key) {
      case "ArrowLeft":
        c--;
        break;
      case "ArrowRight":
        c++;
        break;
      case "ArrowUp":
        r--;
        break;
      case "ArrowDown":
        r++;
        break;
      case "Home":
        c = 0;
        if (e.ctrlKey || e.metaKey) r = 0;
        break;
      case "End":
        c = cols - 1;
        if (e.ctrlKey || e.metaKey) r = rows - 1;
        break;
      case "PageUp":
        r -= 8;
        break;
      case "PageDown":
        r += 8;
        break;
      default:
        return;
    }
    e.preventDefault();
    r = Math.max(0, Math.min(rows - 1, r));
    c = Math.max(0, Math.min(cols - 1, c));
    this.setCursor({ space: m.space, i: Math.min(n - 1, r * cols + c) });
  }

  private showReadout() {
    const at = this.hover ?? this.cursor;
    if (at === null) {
      this.readout.replaceChildren(h("span", { class: "muted" }, "Hover a cell, or focus a map and use the arrow keys, to read its numbers."));
      return;
    }
    const { space, i } = at;
    // The maps of the cell's space: all three, or (a backward of another shape) the one hovered or focused.
    const maps = this.maps.filter((m) => m.space === space);
    const value = (kind: MapKind) => maps.find((m) => m.kind === kind)?.data[i] ?? null;
    const has = (kind: MapKind) => maps.some((m) => m.kind === kind);
    const flags: string[] = [];
    if (space === 0 && i === this.worst) flags.push("worst element");
    if (space === 0 && has("numeric") && this.kinks.has(i)) flags.push("on a kink: excluded from the verdict");
    if (has("numeric") && value("numeric") === null) flags.push("finite differences: not measured or not finite");
    if (has("analytic") && value("analytic") === null) flags.push("your backward: not finite");
    const field = (kind: MapKind, label: string) =>
      has(kind) ? h("span", { class: "pair" }, h("span", { class: "label" }, label), " ", h("span", { class: "value", "data-field": kind }, fmtNum(value(kind)))) : null;
    this.readout.replaceChildren(
      ...[
        h("span", { class: "index", "data-field": "index" }, fmtIndex(unravel(i, this.spaces[space].shape))),
        field("numeric", "finite differences"),
        field("analytic", "your backward"),
        field("difference", "difference"),
        ...(flags.length ? [h("span", { class: "flags", "data-field": "flags" }, flags.join(" · "))] : []),
      ].filter((e): e is HTMLElement => e !== null),
    );
  }

  /** The numbers as tables, each in its map's shape: shown at once for arrays up to 6 × 6, built when first opened for larger ones. */
  private numbers(): HTMLElement | null {
    const grids = this.spaces.map((sp) => sp.grid);
    if (!grids[0].n) return null;
    const small = grids.every((g) => g.rows <= TABLE_LIMIT && g.cols <= TABLE_LIMIT);
    const open = this.options.numbersOpen ?? small;
    const body = h("div", { class: "tables" });
    const count = grids.map((g) => g.n).join(" and ");
    const details = h("details", { class: "numbers", open }, h("summary", {}, small ? "Numbers" : `Numbers (${count} elements)`), body);
    const build = () => {
      if (body.childElementCount) return;
      body.append(...this.maps.map((m) => this.table(m)));
    };
    if (open) build();
    details.addEventListener("toggle", () => {
      if (details.open) build();
      this.options.onNumbersToggle?.(details.open);
    });
    return details;
  }

  private table(m: MapView): HTMLElement {
    const { shape, grid } = this.spaces[m.space];
    const { rows, cols, n } = grid;
    // The worst element and the kinks are elements of the input's shape.
    const worst = m.space === 0 ? this.worst : null;
    const kinks = m.space === 0 ? this.kinks : new Set<number>();
    const rowLabel = (r: number) =>
      shape.length === 0 ? "" : shape.length === 1 ? (rows > 1 ? String(r * WRAP) : "") : shape.length === 2 ? String(r) : unravel(r, shape.slice(0, -1)).join(", ");
    const colLabel = (c: number) => (shape.length === 0 ? "" : shape.length === 1 && rows > 1 ? `+${c}` : String(c));
    const head = h("tr", {}, h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "row")));
    for (let c = 0; c < cols; c++) head.append(h("th", { scope: "col" }, colLabel(c)));
    const tbody = h("tbody", {});
    for (let r = 0; r < rows; r++) {
      const tr = h("tr", {}, h("th", { scope: "row" }, rowLabel(r)));
      for (let c = 0; c < cols; c++) {
        const i = r * cols + c;
        if (i >= n) {
          tr.append(h("td", { class: "none" }));
          continue;
        }
        const v = m.data[i] ?? null;
        const cls = [v === null ? "missing" : v > 0 ? "pos" : v < 0 ? "neg" : "", i === worst ? "worst" : "", kinks.has(i) ? "kink" : ""].filter(Boolean).join(" ");
        tr.append(
          h(
            "td",
            { class: cls || undefined, "data-index": i },
            fmtNum(v),
            v === null ? h("span", { class: "visually-hidden" }, " no number") : null,
            i === worst ? h("span", { class: "mark" }, " worst") : null,
            kinks.has(i) ? h("span", { class: "mark" }, " kink") : null,
          ),
        );
      }
      tbody.append(tr);
    }
    const split = this.spaces.length > 1;
    return h(
      "table",
      { class: "numbers-table", "data-map": m.kind, "data-shape": shape.join(",") },
      h("caption", {}, MAP_TITLES[m.kind], split ? ` ${fmtShape(shape)}` : ""),
      h("thead", {}, head),
      tbody,
    );
  }
}

function mix(a: RGB, b: RGB, f: number): RGB {
  return [0, 1, 2].map((k) => Math.round(a[k] + (b[k] - a[k]) * f)) as unknown as RGB;
}
