/**
 * Where nodes and edges go. ELK runs in a Web Worker (`layoutClient.ts`); the quick
 * layered layout here, on the UI thread, is drawn while ELK works on a big graph and
 * stands in for it if the worker cannot start. No DOM.
 */

export interface Box {
  id: string;
  width: number;
  height: number;
}

export interface EdgeSpec {
  id: string;
  from: string;
  to: string;
}

export interface Layout {
  nodes: Map<string, { x: number; y: number }>;
  edges: Map<string, [number, number][]>;
  width: number;
  height: number;
  engine: "elk" | "quick";
  /** time the layout took (ELK's time inside the worker) */
  ms: number;
}

const GAP_X = 64;
const GAP_Y = 18;
const PAD = 16;

/**
 * Columns by longest path from the sources, rows in source order: linear time, so a
 * 1,000-node graph is on screen at once while ELK works.
 */
export function quickLayout(nodes: Box[], edges: EdgeSpec[]): Layout {
  const t0 = performance.now();
  const rank = new Map<string, number>(nodes.map((n) => [n.id, 0]));
  const preds = new Map<string, string[]>();
  for (const e of edges) (preds.get(e.to) ?? preds.set(e.to, []).get(e.to)!).push(e.from);
  for (const id of topologicalOrder(nodes.map((n) => n.id), edges)) {
    for (const p of preds.get(id) ?? []) rank.set(id, Math.max(rank.get(id)!, rank.get(p)! + 1));
  }
  const columns: Box[][] = [];
  for (const n of nodes) (columns[rank.get(n.id)!] ??= []).push(n);
  const pos = new Map<string, { x: number; y: number }>();
  let x = PAD;
  let height = 0;
  for (const col of columns) {
    if (!col) continue;
    let y = PAD;
    let w = 0;
    for (const n of col) {
      pos.set(n.id, { x, y });
      y += n.height + GAP_Y;
      w = Math.max(w, n.width);
    }
    height = Math.max(height, y - GAP_Y + PAD);
    x += w + GAP_X;
  }
  const box = new Map(nodes.map((n) => [n.id, n]));
  const edgePoints = new Map<string, [number, number][]>();
  for (const e of edges) {
    const a = pos.get(e.from), b = pos.get(e.to);
    const ba = box.get(e.from), bb = box.get(e.to);
    if (!a || !b || !ba || !bb) continue;
    edgePoints.set(e.id, [
      [a.x + ba.width, a.y + ba.height / 2],
      [b.x, b.y + bb.height / 2],
    ]);
  }
  return { nodes: pos, edges: edgePoints, width: x - GAP_X + PAD, height, engine: "quick", ms: performance.now() - t0 };
}

/** Kahn's algorithm, ties in the given order; nodes on a cycle (never in a valid graph) come last. */
export function topologicalOrder(ids: string[], edges: { from: string; to: string }[]): string[] {
  const indeg = new Map<string, number>(ids.map((id) => [id, 0]));
  const succ = new Map<string, string[]>();
  for (const e of edges) {
    if (!indeg.has(e.from) || !indeg.has(e.to)) continue;
    indeg.set(e.to, indeg.get(e.to)! + 1);
    (succ.get(e.from) ?? succ.set(e.from, []).get(e.from)!).push(e.to);
  }
  const index = new Map(ids.map((id, i) => [id, i]));
  // A binary heap on source position keeps the order stable and the sort O(E log V).
  const heap: string[] = [];
  const less = (a: string, b: string) => index.get(a)! < index.get(b)!;
  const push = (id: string) => {
    heap.push(id);
    for (let i = heap.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (!less(heap[i], heap[p])) break;
      [heap[i], heap[p]] = [heap[p], heap[i]];
      i = p;
    }
  };
  const pop = () => {
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length) {
      heap[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < heap.length && less(heap[l], heap[m])) m = l;
        if (r < heap.length && less(heap[r], heap[m])) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m], heap[i]];
        i = m;
      }
    }
    return top;
  };
  for (const id of ids) if (indeg.get(id) === 0) push(id);
  const out: string[] = [];
  while (heap.length) {
    const id = pop();
    out.push(id);
    for (const s of succ.get(id) ?? []) {
      indeg.set(s, indeg.get(s)! - 1);
      if (indeg.get(s) === 0) push(s);
    }
  }
  if (out.length < ids.length) {
    const seen = new Set(out);
    for (const id of ids) if (!seen.has(id)) out.push(id);
  }
  return out;
}

/** Same key ⇔ same boxes and edges, so a value-only edit reuses the layout. */
export function layoutKey(nodes: Box[], edges: EdgeSpec[]): string {
  let h = 0x811c9dc5;
  const mix = (s: string) => {
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
  };
  for (const n of nodes) mix(`${n.id}:${n.width}x${n.height};`);
  for (const e of edges) mix(`${e.from}>${e.to};`);
  return `${nodes.length}/${edges.length}/${(h >>> 0).toString(16)}`;
}
