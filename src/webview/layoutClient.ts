import workerSource from "worker:./layoutWorker.ts";
import type { Layout, Box, EdgeSpec } from "./layout.js";
import type { LayoutReply, LayoutRequest, LayoutResult } from "./layoutProtocol.js";

/**
 * ELK in a Web Worker, started from a `blob:` URL: a webview may not start a worker
 * from its resource origin, which is not the page's.
 */
export class LayoutClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private pending = new Map<number, { resolve: (l: Layout) => void; reject: (e: Error) => void }>();
  failure: string | undefined;

  constructor() {
    try {
      const url = URL.createObjectURL(new Blob([workerSource], { type: "text/javascript" }));
      this.worker = new Worker(url, { name: "gradlens-layout" });
      this.worker.onmessage = (e: MessageEvent<LayoutReply>) => this.settle(e.data);
      this.worker.onerror = (e) => this.fail(`the layout worker stopped: ${e.message || "unknown error"}`);
    } catch (e) {
      this.fail(`the layout worker did not start: ${(e as Error).message}`);
    }
  }

  get available(): boolean {
    return !!this.worker;
  }

  layout(nodes: Box[], edges: EdgeSpec[]): Promise<Layout> {
    if (!this.worker) return Promise.reject(new Error(this.failure ?? "no layout worker"));
    const id = this.nextId++;
    const req: LayoutRequest = { id, nodes, edges };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker!.postMessage(req);
    });
  }

  private settle(reply: LayoutReply) {
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    if ("error" in reply) p.reject(new Error(reply.error));
    else p.resolve(fromResult(reply));
  }

  private fail(message: string) {
    this.failure = message;
    this.worker?.terminate();
    this.worker = undefined;
    for (const p of this.pending.values()) p.reject(new Error(message));
    this.pending.clear();
  }
}

function fromResult(r: LayoutResult): Layout {
  return {
    nodes: new Map(r.nodes.map((n) => [n.id, { x: n.x, y: n.y }])),
    edges: new Map(r.edges.map((e) => [e.id, e.points])),
    width: r.width,
    height: r.height,
    engine: "elk",
    ms: r.ms,
  };
}

