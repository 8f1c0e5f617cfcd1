import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { GradientPair } from "../engine/check/arrays.js";
import { discoverUnits, type UnitPlan } from "../engine/check/units.js";
import { PythonWorker, WorkerError, findPython, type Hello } from "./worker.js";

/**
 * `gradlens check` and the editor's checks: discover the units of each file, then run
 * each in the harness, one unit per request so that one that hangs or crashes costs
 * only itself; the worker is restarted and the rest go on.
 */

/** One input's or parameter's gradient in a unit's result (contract §4, with the harness's additions). */
export interface GradientCheck {
  wrt: string;
  role: "input" | "param";
  shape: number[];
  status: "pass" | "fail" | "not-checked";
  maxRelError: number | null;
  kinks: number;
  worst: { index: number[]; analytic: number | null; numeric: number | null } | null;
  diagnosis: { code: string; detail: string; factor?: number } | null;
  mode?: string | null;
  /** why it was not checked */
  note?: string;
  /** both gradients whole, when asked for and small (python/PROTOCOL.md) */
  values?: GradientPair & { kinks: number[] };
}

export interface CheckResult {
  name: string;
  kind: string;
  file: string;
  line: number;
  status: "pass" | "fail" | "error" | "needs-inputs" | "skipped";
  message: string;
  checks: GradientCheck[];
  tolerance?: { atol: number; rtol: number; eps: number };
  seconds?: number;
  /** the message's notes alone (float32, inputs changed in place, ...) */
  notes?: string[];
  /** the directive to add, for needs-inputs */
  directive?: string;
}

export interface CheckReport {
  units: CheckResult[];
  python: { executable: string; version: string; numpy: string | null; torch?: string | null };
  summary: { pass: number; fail: number; error: number; "needs-inputs": number; skipped: number };
}

export interface CheckOptions {
  python?: string;
  mode?: "full" | "fast" | "sample";
  seed?: number;
  timeoutSeconds?: number;
  only?: string;
  harness: string;
  onLog?: (text: string) => void;
  /** send each gradient whole when it has at most this many elements (the report's heatmaps) */
  values?: number;
  /** only these units, as `file#name` */
  units?: Set<string>;
  /** unsaved editor contents by file, to discover units in what the user sees */
  texts?: Map<string, string>;
}

export class CheckSetupError extends Error {}

/** `.py` files of the paths given (a folder: its Python files, recursively, skipping hidden and venvs). */
export function pythonFiles(paths: string[]): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const name of readdirSync(p).sort()) {
        if (name.startsWith(".") || name === "node_modules" || name === "__pycache__" || name === "venv") continue;
        walk(join(p, name));
      }
    } else if (p.endsWith(".py")) out.push(resolve(p));
  };
  for (const p of paths) walk(p);
  return out;
}

/**
 * A worker kept across runs (the editor re-checks a unit in milliseconds); started on
 * first use and again after a unit killed it.
 */
export class CheckSession {
  private worker: PythonWorker | undefined;
  private hello: Hello | undefined;
  private executable: string | undefined;
  private cancelRequested = false;

  constructor(private readonly options: Pick<CheckOptions, "python" | "harness" | "onLog">) {}

  private async ensure(): Promise<PythonWorker> {
    if (this.worker?.alive) return this.worker;
    if (!this.executable) {
      const found = findPython(this.options.python);
      if ("error" in found) throw new CheckSetupError(found.error);
      this.executable = found.executable;
    }
    try {
      this.worker = await PythonWorker.start(this.executable, this.options.harness, this.options.onLog);
      this.hello = this.worker.hello;
      return this.worker;
    } catch (e) {
      throw new CheckSetupError((e as Error).message);
    }
  }

  /** Stops the run in progress: the unit being checked is interrupted, the rest are not started. */
  cancel(): void {
    this.cancelRequested = true;
    this.worker?.interrupt();
  }

  async run(files: string[], options: Omit<CheckOptions, "python" | "harness">, onUnit?: (r: CheckResult) => void): Promise<CheckReport> {
    this.cancelRequested = false;
    await this.ensure();
    const units: CheckResult[] = [];
    const timeout = (options.timeoutSeconds ?? 10) * 1000;
    const add = (r: CheckResult) => {
      units.push(r);
      onUnit?.(r);
    };
    for (const file of files) {
      let text: string;
      try {
        text = options.texts?.get(file) ?? readFileSync(file, "utf8");
      } catch (e) {
        throw new CheckSetupError(`cannot read ${file}: ${(e as Error).message}`);
      }
      for (const unit of discoverUnits(text)) {
        if (options.only && unit.plan.name !== options.only) continue;
        if (options.units && !options.units.has(`${file}#${unit.plan.name}`)) continue;
        if (this.cancelRequested) break;
        const base = { name: unit.plan.name, kind: unit.plan.kind, file, line: unit.plan.line, checks: [] };
        if (unit.plan.skip) {
          add({ ...base, status: "skipped", message: "skipped by its # gradcheck: directive" });
          continue;
        }
        if (unit.needsInputs) {
          add({ ...base, status: "needs-inputs", message: `${unit.needsInputs.message}: ${unit.needsInputs.directive}`, directive: unit.needsInputs.directive });
          continue;
        }
        const worker = await this.ensure();
        add(await runUnit(worker, file, unit.plan, options, timeout));
      }
    }
    const summary = { pass: 0, fail: 0, error: 0, "needs-inputs": 0, skipped: 0 };
    for (const u of units) summary[u.status]++;
    const h = this.hello!;
    return { units, python: { executable: h.executable, version: h.python, numpy: h.numpy, torch: h.torch }, summary };
  }

  dispose(): void {
    this.worker?.stop();
    this.worker = undefined;
  }
}

export async function runChecks(files: string[], options: CheckOptions): Promise<CheckReport> {
  const session = new CheckSession(options);
  try {
    return await session.run(files, options);
  } finally {
    session.dispose();
  }
}

async function runUnit(worker: PythonWorker, file: string, plan: UnitPlan, options: Pick<CheckOptions, "seed" | "mode" | "values">, timeout: number): Promise<CheckResult> {
  try {
    const request = { type: "check", file, units: [plan], seed: options.seed ?? 0, mode: options.mode ?? null, ...(options.values ? { values: options.values } : {}) };
    const reply = await worker.request<{ units: CheckResult[] }>(request, timeout);
    const r = reply.units?.[0];
    if (!r) return { name: plan.name, kind: plan.kind, file, line: plan.line, status: "error", message: "the harness returned no result", checks: [] };
    return { ...r, file };
  } catch (e) {
    const reason = e instanceof WorkerError && e.reason === "timeout" ? (e as Error).message : `the check could not finish: ${(e as Error).message}`;
    return { name: plan.name, kind: plan.kind, file, line: plan.line, status: "error", message: reason, checks: [] };
  }
}
