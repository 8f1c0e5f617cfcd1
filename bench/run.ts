/**
 * `npm run bench`: the figures of the shape engine, one JSON line each. Timings are
 * medians over repeated runs with a baseline measured side by side on the same
 * machine in the same run, so ratios stay meaningful on a loaded machine.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { analyzeModule, analyzeShapes } from "../src/engine/shapes/infer.ts";
import { parseModule } from "../src/engine/python/parse.ts";
import { generateNumpyFile } from "./generate.ts";
import { LspClient } from "../test/support/lsp-client.ts";
import { compareFile, fixtureFiles } from "../test/support/expectations.ts";
import { graphFigures } from "./graph.ts";
import { checkCorpusFigure, checkFigures } from "./check.ts";

const only = process.argv.slice(2);
const wants = (name: string) => only.length === 0 || only.includes(name);
const dir = mkdtempSync(join(tmpdir(), "gradlens-bench-"));
const file = join(dir, "generated_5000.py");
const source = generateNumpyFile(5000);
writeFileSync(file, source);

function emit(figure: Record<string, unknown>) {
  process.stdout.write(JSON.stringify(figure) + "\n");
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}
const round = (x: number, d = 2) => Number(x.toFixed(d));

function timeProcess(cmd: string, args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 1 << 28 });
  const t = performance.now() - t0;
  if (r.status === null || r.status > 1) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr}`);
  return t;
}

function wholeFile() {
  // In-process, warm: what the language server pays on each full re-analysis.
  for (let i = 0; i < 5; i++) analyzeShapes(source);
  const parse: number[] = [];
  const analyse: number[] = [];
  const total: number[] = [];
  for (let i = 0; i < 25; i++) {
    const t0 = performance.now();
    const m = parseModule(source);
    const t1 = performance.now();
    analyzeModule(m);
    const t2 = performance.now();
    parse.push(t1 - t0);
    analyse.push(t2 - t1);
    total.push(t2 - t0);
  }
  // Whole processes, alternated: `gradlens shapes` against Pyright's full check, and
  // Pyright's own account of its analysis time ("Completed in …sec").
  const pyright = join("node_modules", "pyright", "index.js");
  const ours: number[] = [];
  const theirs: number[] = [];
  const theirAnalysis: number[] = [];
  const runs = 3;
  for (let i = 0; i < runs; i++) {
    ours.push(timeProcess(process.execPath, ["dist/cli.js", "shapes", file, "--json"]));
    if (existsSync(pyright)) {
      const t0 = performance.now();
      const r = spawnSync(process.execPath, [pyright, "--stats", file], { encoding: "utf8", maxBuffer: 1 << 26 });
      theirs.push(performance.now() - t0);
      const completed = /Completed in ([\d.]+)sec/.exec(r.stdout);
      if (completed) theirAnalysis.push(Number(completed[1]) * 1000);
    }
  }
  const median = quantile(total, 0.5);
  emit({
    figure: "whole-file analysis of a generated 5,000-line numpy file",
    lines: 5000,
    symbols: analyzeShapes(source).symbols.length,
    in_process_median_ms: round(median),
    parse_median_ms: round(quantile(parse, 0.5)),
    analysis_median_ms: round(quantile(analyse, 0.5)),
    target_ms: 100,
    met: median < 100,
    pyright_check_median_ms: theirAnalysis.length ? round(quantile(theirAnalysis, 0.5)) : null,
    speedup_vs_pyright_check: theirAnalysis.length ? round(quantile(theirAnalysis, 0.5) / median, 1) : null,
    speedup_target: 20,
    gradlens_process_median_ms: round(quantile(ours, 0.5)),
    pyright_process_median_ms: theirs.length ? round(quantile(theirs, 0.5)) : null,
    process_speedup_vs_pyright: theirs.length ? round(quantile(theirs, 0.5) / quantile(ours, 0.5), 1) : null,
  });
}

function rssKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

async function throughLsp() {
  const client = new LspClient();
  await client.initialize();
  const uri = "file://" + file;
  await new Promise((r) => setTimeout(r, 300));
  const rssBefore = rssKb(client.pid!);
  const opened = client.nextDiagnostics(uri, () => true, 30000);
  await client.open(uri, source);
  await opened;
  const lines = source.split("\n");
  // Hover every assigned name on a random sample of lines, warm.
  const targets: { line: number; character: number }[] = [];
  lines.forEach((text, line) => {
    const m = /^(\s*)([A-Za-z_]\w*)\s*=[^=]/.exec(text);
    if (m) targets.push({ line, character: m[1].length + 1 });
  });
  let seed = 7;
  const pick = () => targets[(seed = (seed * 1103515245 + 12345) % 2147483648) % targets.length];
  for (let i = 0; i < 50; i++) await client.hover(uri, pick().line, pick().character);
  const hovers: number[] = [];
  let answered = 0;
  for (let i = 0; i < 400; i++) {
    const p = pick();
    const t0 = performance.now();
    const h = await client.hover(uri, p.line, p.character);
    hovers.push(performance.now() - t0);
    if (h) answered++;
  }
  // A one-line edit, then a hover on that line: the hover waits for the re-analysis.
  // The first 10 edits warm the edit path (as the 50 hovers above warm hovers) and are
  // not counted; 80 are, so that the p95 is not just the second-slowest of a few.
  const edits: number[] = [];
  let firstEdit = 0;
  for (let i = 0; i < 90; i++) {
    const p = pick();
    const text = lines[p.line];
    const t0 = performance.now();
    await client.edit(uri, { start: { line: p.line, character: text.length }, end: { line: p.line, character: text.length } }, i % 2 ? "" : " ");
    await client.hover(uri, p.line, p.character);
    if (i === 0) firstEdit = performance.now() - t0;
    if (i >= 10) edits.push(performance.now() - t0);
    if (i % 2 === 0) lines[p.line] = text + " ";
  }
  const rssAfter = rssKb(client.pid!);
  await client.stop();
  emit({
    figure: "hover through the LSP connection, 5,000-line file",
    hovers: hovers.length,
    answered,
    p50_ms: round(quantile(hovers, 0.5)),
    p95_ms: round(quantile(hovers, 0.95)),
    target_p95_ms: 10,
    met: quantile(hovers, 0.95) < 10,
  });
  emit({
    figure: "re-analysis after a one-line edit, through the LSP connection (edit to hover answer)",
    edits: edits.length,
    p50_ms: round(quantile(edits, 0.5)),
    p95_ms: round(quantile(edits, 0.95)),
    first_edit_ms: round(firstEdit),
    target_ms: 20,
    met: quantile(edits, 0.95) < 20,
  });
  emit({
    figure: "language server memory for the 5,000-line file",
    idle_server_rss_mb: round(rssBefore / 1024, 1),
    with_file_rss_mb: round(rssAfter / 1024, 1),
    file_mb: round((rssAfter - rssBefore) / 1024, 1),
    target_mb: 50,
    met: (rssAfter - rssBefore) / 1024 < 50,
  });
}

/**
 * bench/corpus was read while the engine was built (a development set). bench/holdout,
 * bench/holdout2 and bench/holdout3 were each written independently, by someone who had
 * not seen the engine, and measured once before any change: 92.6%, 93.6% and 90.9%
 * right, no false errors. Their misses then pointed at general gaps that were fixed, so
 * all three count as seen now; those first measurements are the unseen-code figures.
 */
function accuracy(dir: string, figure: string) {
  const files = fixtureFiles(dir);
  let targets = 0;
  let right = 0;
  let falseErrors = 0;
  const misses: string[] = [];
  for (const f of files) {
    const c = compareFile(f);
    targets += c.targets;
    right += c.right;
    falseErrors += c.falseErrors.length;
    misses.push(...c.wrong.map((w) => `${f.split("/").pop()}: ${w}`), ...c.falseErrors.map((e) => `${f.split("/").pop()}: false error ${e}`));
  }
  emit({
    figure,
    files: files.length,
    targets,
    right,
    percent_right: targets ? round((100 * right) / targets, 1) : null,
    target_percent: 95,
    false_errors: falseErrors,
    met: targets > 0 && right / targets >= 0.95 && falseErrors === 0,
    misses: misses.slice(0, 200),
  });
}

async function main() {
  if (wants("whole-file")) wholeFile();
  if (wants("lsp")) await throughLsp();
  if (wants("graph")) graphFigures(dir, emit, round, quantile);
  if (wants("check")) await checkFigures(dir, emit, round);
  if (wants("check") || wants("accuracy")) await checkCorpusFigure(emit);
  if (wants("accuracy")) {
    accuracy("bench/corpus", "correctness on code in the styles of contract §1 (bench/corpus, the development set)");
    accuracy("bench/holdout", "correctness on held-out set 1 (bench/holdout; first measured at 92.6% before its misses guided fixes)");
    accuracy("bench/holdout2", "correctness on held-out set 2 (bench/holdout2; first measured at 93.6% before its misses guided fixes)");
    accuracy("bench/holdout3", "correctness on held-out set 3 (bench/holdout3; first measured at 90.9% before its misses guided fixes)");
    accuracy("bench/holdout4", "correctness on unseen code (bench/holdout4, written after the last shape-rule change, never used for tuning)");
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
