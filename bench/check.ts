import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { CheckSession } from "../src/runner/check.ts";

/**
 * Gradient checks against torch.autograd.gradcheck on `tanh(x @ w + b)`, side by side:
 * as whole processes (the harness's one-shot `check` against a Python script that
 * builds the same function in torch and runs gradcheck), and a warm re-check through
 * the persistent worker (what the editor pays on a second click).
 */
const SIZES: [number, number, number][] = [
  [4, 8, 8],
  [16, 32, 32],
  [32, 64, 64],
];

const UNIT = (n: number, d: number, m: number) => `import numpy as np

# gradcheck: x=randn(${n}, ${d}), w=randn(${d}, ${m}), b=randn(${m})
def layer_forward(x, w, b):
    out = np.tanh(x @ w + b)
    return out, (x, w, b, out)


def layer_backward(dout, cache):
    x, w, b, out = cache
    dz = dout * (1 - out ** 2)
    return dz @ w.T, x.T @ dz, dz.sum(axis=0)
`;

const TORCH = `
import sys, time, torch
n, d, m, fast = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "fast"
torch.manual_seed(0)
x = torch.randn(n, d, dtype=torch.float64, requires_grad=True)
w = torch.randn(d, m, dtype=torch.float64, requires_grad=True)
b = torch.randn(m, dtype=torch.float64, requires_grad=True)
t0 = time.perf_counter()
ok = torch.autograd.gradcheck(lambda x, w, b: torch.tanh(x @ w + b), (x, w, b), fast_mode=fast)
print(ok, (time.perf_counter() - t0) * 1000)
`;

function wallMs(cmd: string, args: string[]): { ms: number; out: string; ok: boolean } {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 1 << 26, timeout: 600_000 });
  return { ms: performance.now() - t0, out: r.stdout, ok: r.status === 0 };
}

export async function checkFigures(dir: string, emit: (f: Record<string, unknown>) => void, round: (x: number, d?: number) => number) {
  const harness = join(process.cwd(), "python", "gradlens_harness.py");
  const torchScript = join(dir, "torch_gradcheck.py");
  writeFileSync(torchScript, TORCH);
  for (const [n, d, m] of SIZES) {
    const file = join(dir, `layer_${n}_${d}_${m}.py`);
    writeFileSync(file, UNIT(n, d, m));
    const plan = join(dir, `plan_${n}.json`);
    const { discoverUnits } = await import("../src/engine/check/units.ts");
    const units = discoverUnits(UNIT(n, d, m)).map((u) => u.plan);
    const row: Record<string, unknown> = { figure: `gradient check of tanh(x @ w + b) at (N, D, M) = (${n}, ${d}, ${m}), whole processes`, elements: n * d + d * m + m };
    for (const mode of ["full", "fast"] as const) {
      writeFileSync(plan, JSON.stringify(units.map((u) => ({ ...u, mode }))));
      const ours = wallMs("python3", [harness, "check", file, "--plan", plan]);
      const result = ours.ok ? (JSON.parse(ours.out) as { units: { status: string; evaluations?: number }[] }).units[0] : undefined;
      const theirs = wallMs("/usr/bin/python3", [torchScript, String(n), String(d), String(m), mode]);
      row[`${mode}_gradlens_ms`] = round(ours.ms);
      const seconds = (result as { seconds?: number } | undefined)?.seconds;
      row[`${mode}_gradlens_in_process_ms`] = seconds === undefined ? null : round(seconds * 1000);
      row[`${mode}_status`] = result?.status ?? "error";
      if (mode === "full") row.full_evaluations = result?.evaluations ?? null;
      row[`${mode}_torch_ms`] = theirs.ok ? round(theirs.ms) : null;
      row[`${mode}_torch_in_process_ms`] = theirs.ok ? round(Number(theirs.out.trim().split(" ")[1])) : null;
      row[`${mode}_ratio`] = theirs.ok ? round(ours.ms / theirs.ms) : null;
      if (theirs.ok && seconds) row[`${mode}_in_process_speedup`] = round(Number(theirs.out.trim().split(" ")[1]) / (seconds * 1000), 1);
    }
    if (n === 32) {
      row.targets = "full ≤ 0.2× torch slow mode (whole processes), fast ≤ 2× torch fast mode";
      row.met = row.full_ratio !== null && (row.full_ratio as number) <= 0.2 && (row.fast_ratio as number) <= 2;
    }
    emit(row);
  }
  // Warm re-check through the worker the editor keeps.
  const file = join(dir, "layer_small.py");
  writeFileSync(file, UNIT(4, 8, 8));
  const session = new CheckSession({ harness });
  await session.run([file], {});
  const times: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t0 = performance.now();
    await session.run([file], {});
    times.push(performance.now() - t0);
  }
  session.dispose();
  times.sort((a, b) => a - b);
  emit({ figure: "warm re-check of a small unit through the persistent worker", median_ms: round(times[5]), target_ms: 100, met: times[5] < 100 });
}

/**
 * bench/check_corpus: backward code written independently of the engine, with the
 * verdict and the diagnosis each unit should get. Every buggy unit must fail with the
 * right code on the right inputs, every correct one pass (kinks included).
 */
export async function checkCorpusFigure(emit: (f: Record<string, unknown>) => void) {
  const { readdirSync, readFileSync, existsSync } = await import("node:fs");
  const dir = "bench/check_corpus";
  if (!existsSync(dir)) return;
  const files = readdirSync(dir).filter((f) => f.endsWith(".py")).sort();
  // Debian's interpreter has torch for the autograd.Function units.
  const python = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : undefined;
  const session = new CheckSession({ python, harness: join(process.cwd(), "python", "gradlens_harness.py") });
  let units = 0;
  let right = 0;
  const wrong: string[] = [];
  try {
    for (const f of files) {
      const expected = JSON.parse(readFileSync(join(dir, f.replace(/\.py$/, ".expected.json")), "utf8")) as { units: { name: string; status: string; failing?: Record<string, string> }[] };
      const report = await session.run([join(process.cwd(), dir, f)], { timeoutSeconds: 60 });
      for (const e of expected.units) {
        units++;
        const got = report.units.find((u) => u.name === e.name);
        const failing = Object.fromEntries(((got?.checks ?? []) as { wrt: string; status: string; diagnosis?: { code: string } }[]).filter((c) => c.status === "fail").map((c) => [c.wrt, c.diagnosis?.code ?? "?"]));
        const ok = got?.status === e.status && JSON.stringify(Object.entries(failing).sort()) === JSON.stringify(Object.entries(e.failing ?? {}).sort());
        if (ok) right++;
        else wrong.push(`${f} ${e.name}: expected ${e.status} ${JSON.stringify(e.failing ?? {})}, got ${got?.status ?? "nothing"} ${JSON.stringify(failing)}${got?.status === "error" ? ` (${got.message.slice(0, 120)})` : ""}`);
      }
    }
  } finally {
    session.dispose();
  }
  emit({ figure: "gradient checks on backward code written independently (bench/check_corpus): verdict and diagnosis", units, right, percent_right: Math.round((1000 * right) / Math.max(1, units)) / 10, met: right === units, misses: wrong });
}
