/**
 * Messages between the extension and the gradient-check report panel's webview, in
 * both directions, declared once. As with the graph panel (protocol.ts), each side
 * treats the other as untrusted: the webview checks every message it receives
 * (`isReportHostMessage`), the extension every message from the webview
 * (`isReportPanelMessage`). The checks are bounded (sizes, depth) and never throw.
 *
 * `reportHostProblem` says *why* a message does not fit (a path such as
 * `units[0].checks[1].values.numeric`), so the extension can log what it was about to
 * send and the panel can say why it shows nothing.
 */

export type UnitStatus = "pass" | "fail" | "error" | "needs-inputs" | "skipped";
export type CheckStatus = "pass" | "fail" | "not-checked";

/** One checked unit (gate, forward/backward pair, loss, autograd Function) as the report shows it. */
export interface ReportUnit {
  name: string;
  /** "gate" | "pair" | "loss" | "function" */
  kind: string;
  /** absolute path */
  file: string;
  /** 1-based line of the unit */
  line: number;
  status: UnitStatus;
  /** a few lines for people */
  message: string;
  tolerance?: { atol: number; rtol: number; eps: number };
  seconds?: number;
  checks: ReportCheck[];
}

/** The gradient of one input or parameter of a unit. */
export interface ReportCheck {
  wrt: string;
  role: "input" | "param";
  shape: number[];
  status: CheckStatus;
  maxRelError: number | null;
  worst: { index: number[]; analytic: number | null; numeric: number | null } | null;
  /** transposed, swapped, sign-flipped, scaled, zero, missing, wrong-shape, partial, mismatch */
  diagnosis: { code: string; detail: string; factor?: number } | null;
  /** "full" | "fast" | "sample" | "sample+fast" */
  mode?: string | null;
  /** why not-checked */
  note?: string;
  /** 1-based line computing this gradient, when known */
  line?: number;
  /**
   * both gradients whole, for arrays of at most REPORT_LIMITS.values elements each;
   * a backward of the wrong shape comes in its own shape (`analyticShape`)
   */
  values?: {
    /** row-major, length prod(shape); null: not measured (sample/fast modes) or not finite */
    numeric: (number | null)[];
    /** your backward, row-major, length prod(analyticShape ?? shape); null: not finite */
    analytic: (number | null)[];
    /** flat indices into `numeric` where finite differences straddle a kink (excluded from the verdict) */
    kinks: number[];
    /**
     * the shape of your backward, present when it is not the input's (a transposed dW of
     * a non-square W): the two are then drawn side by side, each in its own shape, and
     * not compared element by element
     */
    analyticShape?: number[];
  };
}

/** Extension → webview */
export type ReportHostMessage =
  /** replaces what the panel shows */
  | { type: "report"; units: ReportUnit[] }
  /** the report could not be shown (the extension's own check of it failed) */
  | { type: "error"; message: string };

/** Webview → extension */
export type ReportPanelMessage =
  | { type: "ready" }
  /** open `file` (one of the report's) with the cursor on this 1-based line */
  | { type: "revealLine"; file: string; line: number }
  /** check this unit again */
  | { type: "recheck"; file: string; name: string };

/** Bounds that keep a malformed report from hanging either side while it is checked. */
export const REPORT_LIMITS = {
  units: 5_000,
  checksPerUnit: 256,
  /** elements of one array's values: the harness sends values only for arrays this small */
  values: 4_096,
  /** numbers in all the values of one report */
  reportValues: 2_000_000,
  dims: 32,
  text: 100_000,
  name: 1_000,
  path: 4_096,
  line: 100_000_000,
} as const;

export function isReportHostMessage(m: unknown): m is ReportHostMessage {
  return reportHostProblem(m) === null;
}

export function isReportPanelMessage(m: unknown): m is ReportPanelMessage {
  try {
    if (!isRecord(m)) return false;
    switch (m.type) {
      case "ready":
        return true;
      case "revealLine":
        return isPath(m.file) && isPositiveLine(m.line);
      case "recheck":
        return isPath(m.file) && isName(m.name);
      default:
        return false;
    }
  } catch {
    // A getter or proxy that throws: not a plain message.
    return false;
  }
}

/** null when `m` is a valid host message, else what is wrong with it, for a log line. */
export function reportHostProblem(m: unknown): string | null {
  try {
    if (!isRecord(m)) return "not an object";
    switch (m.type) {
      case "report":
        return unitsProblem(m.units);
      case "error":
        return isText(m.message) ? null : "message: not a string of bounded length";
      default:
        return `unknown message type ${typeof m.type === "string" ? JSON.stringify(m.type.slice(0, 40)) : typeof m.type}`;
    }
  } catch (e) {
    // A getter or proxy that throws: not a plain message.
    return `unreadable: ${(e as Error)?.message ?? e}`;
  }
}

function unitsProblem(units: unknown): string | null {
  if (!Array.isArray(units)) return "units: not an array";
  if (units.length > REPORT_LIMITS.units) return `units: ${units.length} units, at most ${REPORT_LIMITS.units}`;
  const budget = { values: REPORT_LIMITS.reportValues };
  for (let i = 0; i < units.length; i++) {
    const p = unitProblem(units[i], budget);
    if (p) return `units[${i}]${p}`;
  }
  return null;
}

const UNIT_STATUSES: readonly string[] = ["pass", "fail", "error", "needs-inputs", "skipped"];
const CHECK_STATUSES: readonly string[] = ["pass", "fail", "not-checked"];

function unitProblem(u: unknown, budget: { values: number }): string | null {
  if (!isRecord(u)) return ": not an object";
  if (!isName(u.name)) return ".name: not a non-empty string of bounded length";
  if (!isName(u.kind)) return ".kind: not a non-empty string of bounded length";
  if (!isPath(u.file)) return ".file: not a non-empty path of bounded length";
  if (!isLine(u.line)) return ".line: not a line number";
  if (typeof u.status !== "string" || !UNIT_STATUSES.includes(u.status)) return ".status: not one of pass, fail, error, needs-inputs, skipped";
  if (!isText(u.message)) return ".message: not a string of bounded length";
  if (u.tolerance !== undefined) {
    const t = u.tolerance;
    if (!isRecord(t) || !isNonNegative(t.atol) || !isNonNegative(t.rtol) || !isNonNegative(t.eps)) return ".tolerance: not {atol, rtol, eps} of finite numbers ≥ 0";
  }
  if (u.seconds !== undefined && !isNonNegative(u.seconds)) return ".seconds: not a finite number ≥ 0";
  if (!Array.isArray(u.checks)) return ".checks: not an array";
  if (u.checks.length > REPORT_LIMITS.checksPerUnit) return `.checks: ${u.checks.length} checks, at most ${REPORT_LIMITS.checksPerUnit}`;
  for (let i = 0; i < u.checks.length; i++) {
    const p = checkProblem(u.checks[i], budget);
    if (p) return `.checks[${i}]${p}`;
  }
  return null;
}

function checkProblem(c: unknown, budget: { values: number }): string | null {
  if (!isRecord(c)) return ": not an object";
  if (!isName(c.wrt)) return ".wrt: not a non-empty string of bounded length";
  if (c.role !== "input" && c.role !== "param") return ".role: not input or param";
  if (!isShape(c.shape)) return `.shape: not a list of at most ${REPORT_LIMITS.dims} whole numbers ≥ 0`;
  if (typeof c.status !== "string" || !CHECK_STATUSES.includes(c.status)) return ".status: not one of pass, fail, not-checked";
  if (c.maxRelError !== null && !isNonNegative(c.maxRelError)) return ".maxRelError: not null or a finite number ≥ 0";
  if (c.worst !== null) {
    const w = c.worst;
    if (!isRecord(w)) return ".worst: not null or an object";
    if (!isIndex(w.index)) return ".worst.index: not a list of whole numbers ≥ 0";
    if (!isFiniteOrNull(w.analytic)) return ".worst.analytic: not a finite number or null";
    if (!isFiniteOrNull(w.numeric)) return ".worst.numeric: not a finite number or null";
  }
  if (c.diagnosis !== null) {
    const d = c.diagnosis;
    if (!isRecord(d)) return ".diagnosis: not null or an object";
    if (!isName(d.code)) return ".diagnosis.code: not a non-empty string of bounded length";
    if (!isText(d.detail)) return ".diagnosis.detail: not a string of bounded length";
    if (d.factor !== undefined && !isFiniteNumber(d.factor)) return ".diagnosis.factor: not a finite number";
  }
  if (c.mode !== undefined && c.mode !== null && !isName(c.mode)) return ".mode: not a short string or null";
  if (c.note !== undefined && !isText(c.note)) return ".note: not a string of bounded length";
  if (c.line !== undefined && !isLine(c.line)) return ".line: not a line number";
  if (c.values !== undefined) {
    const v = c.values;
    if (!isRecord(v)) return ".values: not an object";
    const shape = c.shape as number[];
    const n = shape.reduce((a, b) => a * b, 1);
    if (n > REPORT_LIMITS.values) return `.values: present for ${n} elements, at most ${REPORT_LIMITS.values}`;
    // Your backward in its own shape when that is not the input's; else in the input's.
    let analyticShape = shape;
    let analyticOf = "shape";
    if (v.analyticShape !== undefined) {
      if (!isShape(v.analyticShape)) return `.values.analyticShape: not a list of at most ${REPORT_LIMITS.dims} whole numbers ≥ 0`;
      analyticShape = v.analyticShape;
      analyticOf = "analyticShape";
      const m = analyticShape.reduce((a, b) => a * b, 1);
      if (m > REPORT_LIMITS.values) return `.values.analyticShape: (${analyticShape.join(", ")}) of ${m} elements, at most ${REPORT_LIMITS.values}`;
    }
    const lengths = { numeric: [n, "shape", shape], analytic: [analyticShape.reduce((a, b) => a * b, 1), analyticOf, analyticShape] } as const;
    for (const key of ["numeric", "analytic"] as const) {
      const a = v[key];
      const [want, of, s] = lengths[key];
      if (!Array.isArray(a)) return `.values.${key}: not an array`;
      if (a.length !== want) return `.values.${key}: ${a.length} elements for ${of} (${s.join(", ")}) of ${want}`;
      budget.values -= a.length;
      if (budget.values < 0) return `.values.${key}: the report holds more than ${REPORT_LIMITS.reportValues} numbers`;
      for (let i = 0; i < a.length; i++) if (!isFiniteOrNull(a[i])) return `.values.${key}[${i}]: not a finite number or null`;
    }
    const k = v.kinks;
    if (!Array.isArray(k) || k.length > n) return ".values.kinks: not an array of at most prod(shape) indices";
    for (let i = 0; i < k.length; i++) {
      const x = k[i];
      if (typeof x !== "number" || !Number.isInteger(x) || x < 0 || x >= n) return `.values.kinks[${i}]: not a flat index below ${n}`;
    }
  }
  return null;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return !!x && typeof x === "object" && !Array.isArray(x);
}

function isFiniteNumber(x: unknown): x is number {
  return typeof x === "number" && Number.isFinite(x);
}

function isNonNegative(x: unknown): x is number {
  return isFiniteNumber(x) && x >= 0;
}

function isFiniteOrNull(x: unknown): x is number | null {
  return x === null || isFiniteNumber(x);
}

function isText(x: unknown): x is string {
  return typeof x === "string" && x.length <= REPORT_LIMITS.text;
}

function isName(x: unknown): x is string {
  return typeof x === "string" && x.length > 0 && x.length <= REPORT_LIMITS.name;
}

function isPath(x: unknown): x is string {
  return typeof x === "string" && x.length > 0 && x.length <= REPORT_LIMITS.path;
}

/** 0 stands for "no line known"; only positive lines are linked. */
function isLine(x: unknown): x is number {
  return typeof x === "number" && Number.isInteger(x) && x >= 0 && x <= REPORT_LIMITS.line;
}

function isPositiveLine(x: unknown): x is number {
  return isLine(x) && x >= 1;
}

function isShape(x: unknown): x is number[] {
  return Array.isArray(x) && x.length <= REPORT_LIMITS.dims && x.every((d) => typeof d === "number" && Number.isSafeInteger(d) && d >= 0);
}

function isIndex(x: unknown): x is number[] {
  return isShape(x);
}

/**
 * The protocol's null for what is not a finite number: NaN and ±Inf in the values, the
 * worst element and the relative error become null (the harness's gradients may hold
 * them; JSON cannot). Anything else is left for `reportHostProblem` to judge.
 */
export function normaliseUnits(units: readonly ReportUnit[]): ReportUnit[] {
  const fin = <T>(x: T): T | null => (typeof x === "number" && !Number.isFinite(x) ? null : x);
  try {
    return units.map((u) =>
      isRecord(u) && Array.isArray(u.checks)
        ? {
            ...u,
            checks: u.checks.map((c) =>
              isRecord(c)
                ? {
                    ...c,
                    maxRelError: fin(c.maxRelError),
                    worst: isRecord(c.worst) ? { ...c.worst, analytic: fin(c.worst.analytic), numeric: fin(c.worst.numeric) } : c.worst,
                    ...(isRecord(c.values) && Array.isArray(c.values.numeric) && Array.isArray(c.values.analytic)
                      ? { values: { ...c.values, numeric: c.values.numeric.map(fin), analytic: c.values.analytic.map(fin) } }
                      : {}),
                  }
                : c,
            ),
          }
        : u,
    );
  } catch {
    return units as ReportUnit[];
  }
}

/** The unit of the report with this file and name, if any (the extension acts only on those). */
export function findUnit(units: readonly ReportUnit[], file: string, name?: string): ReportUnit | undefined {
  return units.find((u) => u.file === file && (name === undefined || u.name === name));
}
