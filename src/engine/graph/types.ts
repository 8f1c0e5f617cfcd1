/**
 * The computation graph of a function, evaluated forward and backward: what
 * `gradlens graph --json` prints (contract §4) and what the graph panel draws.
 */

/** A number, or nested lists of numbers for an array (numpy's `tolist()`). */
export type Nested = number | Nested[];

/** What is sent instead of a large array: its shape and a few statistics. */
export interface ArraySummary {
  summary: true;
  shape: number[];
  min: number;
  max: number;
  mean: number;
  /** the first few elements in row-major order */
  head: number[];
  /** NaN and ±Inf counts, so a panel can warn */
  nonFinite: number;
}

export type NodeOp = "input" | "param" | "const" | string;

export interface GraphNode {
  id: string;
  /** `input`, `param`, `const`, or the op-table name (`add`, `matmul`, `tanh`, ...) */
  op: NodeOp;
  /** What the user wrote: a variable name, or the operation's source text. */
  label: string;
  /** 1-based source line, null for nodes made by GradLens (an implicit sum). */
  line: number | null;
  /** Source offsets of the expression, for revealing and highlighting. */
  from?: number;
  to?: number;
  /** The variable this value was assigned to, if any (`z` in `z = W @ x + b`). */
  name?: string;
  shape: number[];
  value: Nested | ArraySummary;
  /** dL/d(this value); null where no gradient flows. */
  grad: Nested | ArraySummary | null;
  /** The local gradient in LaTeX: `\frac{\partial h}{\partial z} = \operatorname{diag}(1 - \tanh^2 z)`. */
  local: string;
  /** What the op does to the upstream gradient (distributes, routes, switches, ...). */
  describe?: string;
}

export interface GraphEdge {
  from: string;
  to: string;
  /** which argument of `to` this edge feeds */
  arg: number;
  /**
   * The gradient that flows back along this edge: upstream (the grad of `to`) times
   * the local gradient of `to` with respect to this argument. A node's grad is the
   * sum over its outgoing edges (gradients add at a fan-out).
   */
  grad?: Nested | ArraySummary | null;
}

export interface ComputationGraph {
  function: string;
  /** the node whose value is the function's result */
  output: string;
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** Inputs used, by parameter name (for the panel's form). */
  inputs: Record<string, Nested>;
  /** Where the inputs came from. */
  inputSource: "given" | "directive" | "random";
  seed: number;
  /** Why the graph stops early, if it does: the construct and its line. */
  stoppedAt?: { line: number; message: string };
  /** Non-fatal notes: NaN/Inf values, loops unrolled, a non-scalar output seeded with ones. */
  notes: string[];
}
