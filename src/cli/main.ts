import { readFileSync, statSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { analyzeShapes } from "../engine/shapes/infer.js";
import { shapesReport, type ShapesReport } from "../engine/shapes/report.js";
import { formatShape, formatDim } from "../engine/shapes/dim.js";
import type { ComputationGraph } from "../engine/graph/types.js";
import { formatValue } from "../engine/check/arrays.js";

/**
 * `gradlens`: the engine on the command line, for terminals and CI. Exit codes are
 * fixed by the contract: 0 success, 1 a check failed or a shape error was found,
 * 2 bad usage, an unreadable file or a missing interpreter.
 */

const USAGE = `usage: gradlens <command> [options]

commands:
  shapes FILE [--json]                       infer tensor shapes and report shape errors
  graph FILE --function NAME [--inputs JSON] [--seed N] [--json | --svg OUT]
                                             the computation graph of a function,
                                             evaluated forward and backward
  check PATH... [--json] [--mode full|fast|sample] [--python EXE] [--seed N]
        [--timeout S] [--only NAME]          finite differences against every
                                             hand-written backward

Run 'gradlens <command> --help' for a command's options.`;

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export async function main(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "--help" || command === "-h") {
    (command ? io.out : io.err)(USAGE);
    return command ? EXIT.ok : EXIT.usage;
  }
  if (command === "--version") {
    io.out(VERSION);
    return EXIT.ok;
  }
  switch (command) {
    case "shapes":
      return shapesCommand(rest, io);
    case "graph":
      return graphCommand(rest, io);
    case "check":
      return checkCommand(rest, io);
    default:
      io.err(`gradlens: unknown command '${command}'\n\n${USAGE}`);
      return EXIT.usage;
  }
}

declare const GRADLENS_VERSION: string | undefined;
const VERSION = typeof GRADLENS_VERSION === "string" ? GRADLENS_VERSION : "dev";

function readSource(file: string, command: string, io: Io): string | undefined {
  try {
    if (statSync(file).isDirectory()) throw new Error("is a folder; give a .py file");
    return readFileSync(file, "utf8");
  } catch (e) {
    io.err(`gradlens ${command}: cannot read ${file}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`);
    return undefined;
  }
}

const GRAPH_USAGE = "usage: gradlens graph FILE --function NAME [--inputs JSON] [--seed N] [--json | --svg OUT]";

async function graphCommand(args: string[], io: Io): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { function: { type: "string" }, inputs: { type: "string" }, seed: { type: "string" }, json: { type: "boolean" }, svg: { type: "string" }, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
    });
  } catch (e) {
    io.err(`gradlens graph: ${(e as Error).message}\n${GRAPH_USAGE}`);
    return EXIT.usage;
  }
  const v = parsed.values;
  if (v.help) {
    io.out(`${GRAPH_USAGE}\n\nBuilds the computation graph of a function (or Class.method) by running it inside\nGradLens on the inputs given, else its # gradcheck: directive, else seeded random\nvalues of its stated shapes; then backpropagates from its output (a non-scalar\noutput is seeded with ones). Exit 1 if the graph stops early.`);
    return EXIT.ok;
  }
  if (parsed.positionals.length !== 1 || !v.function || (v.json && v.svg)) {
    io.err(GRAPH_USAGE);
    return EXIT.usage;
  }
  const file = parsed.positionals[0];
  const text = readSource(file, "graph", io);
  if (text === undefined) return EXIT.usage;
  // Loaded here, not at start-up: `gradlens shapes` does not pay for the graph engine and its layout.
  const { functionsIn, graphOfFunction } = await import("../engine/graph/index.js");
  const { graphToSvg } = await import("../engine/graph/svg.js");
  if (!functionsIn(text).some((f) => f.qualifiedName === v.function)) {
    const known = functionsIn(text).map((f) => f.qualifiedName);
    io.err(`gradlens graph: there is no function ${v.function} in ${file}${known.length ? `; there are: ${known.join(", ")}` : ""}`);
    return EXIT.usage;
  }
  let inputs: Record<string, unknown> | undefined;
  if (v.inputs !== undefined) {
    try {
      inputs = JSON.parse(v.inputs);
      if (!inputs || typeof inputs !== "object" || Array.isArray(inputs)) throw new Error("give an object such as {\"x\": 1.0, \"W\": [[1, 2], [3, 4]]}");
    } catch (e) {
      io.err(`gradlens graph: --inputs is not valid: ${(e as Error).message}`);
      return EXIT.usage;
    }
  }
  const seed = v.seed === undefined ? undefined : Number(v.seed);
  if (seed !== undefined && !Number.isInteger(seed)) {
    io.err("gradlens graph: --seed takes a whole number");
    return EXIT.usage;
  }
  const graph = graphOfFunction(text, v.function, { inputs, seed });
  if (v.json) io.out(JSON.stringify(graph, null, 1));
  else if (v.svg) {
    writeFileSync(v.svg, await graphToSvg(graph));
    io.out(`wrote ${v.svg} (${graph.nodes.length} nodes)`);
  } else io.out(formatGraph(graph));
  if (graph.stoppedAt) io.err(`${file}:${graph.stoppedAt.line}: the graph stops here: ${graph.stoppedAt.message}`);
  return graph.stoppedAt ? EXIT.failed : EXIT.ok;
}

function formatGraph(g: ComputationGraph): string {
  const short = (x: unknown) => {
    const s = JSON.stringify(x, (_k, val) => (typeof val === "number" ? Number(val.toPrecision(4)) : val));
    return s.length > 60 ? s.slice(0, 59) + "…" : s;
  };
  const lines = [`graph of ${g.function} (inputs: ${g.inputSource}${g.inputSource === "random" ? `, seed ${g.seed}` : ""})`];
  for (const n of g.nodes) {
    const what = n.op === "input" || n.op === "param" || n.op === "const" ? `${n.op} ${n.label}` : `${n.name ? `${n.name} = ` : ""}${n.op}(${g.edges.filter((e) => e.to === n.id).sort((a, b) => a.arg - b.arg).map((e) => e.from).join(", ")})`;
    lines.push(`  ${n.id.padEnd(5)} ${what.padEnd(34)} value ${short(n.value)}   grad ${n.grad === null ? "—" : short(n.grad)}${n.id === g.output ? "   ← output" : ""}`);
  }
  for (const note of g.notes) lines.push(`note: ${note}`);
  return lines.join("\n");
}

const CHECK_USAGE = "usage: gradlens check PATH... [--json] [--mode full|fast|sample] [--python EXE] [--seed N] [--timeout S] [--only NAME]";

async function checkCommand(args: string[], io: Io): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        json: { type: "boolean" },
        mode: { type: "string" },
        python: { type: "string" },
        seed: { type: "string" },
        timeout: { type: "string" },
        only: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: true,
    });
  } catch (e) {
    io.err(`gradlens check: ${(e as Error).message}\n${CHECK_USAGE}`);
    return EXIT.usage;
  }
  const v = parsed.values;
  if (v.help) {
    io.out(`${CHECK_USAGE}\n\nRuns finite differences against the hand-written backward of every gate,\nforward/backward pair, loss and torch.autograd.Function in the files given (a folder:\nits .py files), in your Python interpreter. Exit 1 if any check fails.`);
    return EXIT.ok;
  }
  const mode = v.mode as "full" | "fast" | "sample" | undefined;
  const seed = v.seed === undefined ? 0 : Number(v.seed);
  const timeout = v.timeout === undefined ? 10 : Number(v.timeout);
  if (parsed.positionals.length === 0 || (mode && !["full", "fast", "sample"].includes(mode)) || !Number.isInteger(seed) || !(timeout > 0)) {
    io.err(CHECK_USAGE);
    return EXIT.usage;
  }
  const { pythonFiles, runChecks, CheckSetupError } = await import("../runner/check.js");
  const { harnessPath } = await import("../runner/worker.js");
  let files: string[];
  try {
    files = pythonFiles(parsed.positionals);
  } catch (e) {
    io.err(`gradlens check: cannot read ${(e as NodeJS.ErrnoException).path ?? parsed.positionals.join(" ")}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file or folder" : (e as Error).message}`);
    return EXIT.usage;
  }
  try {
    const report = await runChecks(files, { python: v.python, mode, seed, timeoutSeconds: timeout, only: v.only, harness: harnessPath(__dirname) });
    if (v.json) io.out(JSON.stringify(report, null, 1));
    else io.out(formatChecks(report));
    return report.summary.fail + report.summary.error > 0 ? EXIT.failed : EXIT.ok;
  } catch (e) {
    if (e instanceof CheckSetupError) {
      io.err(`gradlens check: ${e.message}`);
      return EXIT.usage;
    }
    throw e;
  }
}

function formatChecks(r: import("../runner/check.js").CheckReport): string {
  const lines: string[] = [];
  const mark = { pass: "✓", fail: "✗", error: "!", "needs-inputs": "?", skipped: "-" } as const;
  const where = (file: string) => (file.startsWith(process.cwd() + "/") ? file.slice(process.cwd().length + 1) : file);
  for (const u of r.units) {
    const checks = u.checks;
    const [first, ...rest] = u.message.split("\n");
    let head = first;
    let notes = rest;
    if (u.status === "fail") {
      // The message repeats each failing check; here they are listed below, so the
      // head says how many, with the tolerance, and the notes follow them.
      const wrong = checks.filter((c) => c.status === "fail").length;
      const tol = u.tolerance ? ` (tolerance atol ${formatValue(u.tolerance.atol)}, rtol ${formatValue(u.tolerance.rtol)}, eps ${formatValue(u.tolerance.eps)})` : "";
      head = `${wrong} of ${checks.length} gradient${checks.length === 1 ? "" : "s"} wrong${tol}`;
      notes = u.notes ?? [];
    }
    lines.push(`${mark[u.status]} ${u.name} (${u.kind})  ${where(u.file)}:${u.line}  ${head || u.status}`);
    for (const c of checks) {
      const err = typeof c.maxRelError === "number" ? `, max rel err ${c.maxRelError.toExponential(1)}` : "";
      lines.push(`    ${c.status === "pass" ? "✓" : c.status === "fail" ? "✗" : "-"} ${c.wrt} (${c.role})${err}${c.kinks ? `, ${c.kinks} kink${c.kinks === 1 ? "" : "s"} left out` : ""}`);
      if (c.status === "fail") {
        if (c.diagnosis) lines.push(`        ${c.diagnosis.code}: ${c.diagnosis.detail}`);
        if (c.worst) lines.push(`        worst at [${c.worst.index.join(", ")}]: finite differences ${formatValue(c.worst.numeric)}, your backward ${formatValue(c.worst.analytic)}`);
      }
    }
    for (const n of notes) if (n.trim()) lines.push(`    ${n}`);
  }
  const s = r.summary;
  lines.push(`${s.pass} passed, ${s.fail} failed, ${s.error} errors, ${s["needs-inputs"]} need inputs, ${s.skipped} skipped (${r.python.executable}, Python ${r.python.version}, numpy ${r.python.numpy})`);
  return lines.join("\n");
}

function shapesCommand(args: string[], io: Io): number {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { json: { type: "boolean" }, help: { type: "boolean", short: "h" } }, allowPositionals: true });
  } catch (e) {
    io.err(`gradlens shapes: ${(e as Error).message}\nusage: gradlens shapes FILE [--json]`);
    return EXIT.usage;
  }
  if (parsed.values.help) {
    io.out("usage: gradlens shapes FILE [--json]\n\nInfers the shape of every assignment target and parameter, and reports\nshape errors (exit 1) and stated shapes that disagree with the code (warnings).");
    return EXIT.ok;
  }
  if (parsed.positionals.length !== 1) {
    io.err("usage: gradlens shapes FILE [--json]");
    return EXIT.usage;
  }
  const file = parsed.positionals[0];
  const text = readSource(file, "shapes", io);
  if (text === undefined) return EXIT.usage;
  const report = shapesReport(file, analyzeShapes(text));
  if (parsed.values.json) io.out(JSON.stringify(report, null, 2));
  else io.out(formatReport(report));
  return report.diagnostics.some((d) => d.severity === "error") ? EXIT.failed : EXIT.ok;
}

function formatReport(r: ShapesReport): string {
  const lines = [r.file];
  const width = Math.min(24, Math.max(4, ...r.symbols.map((s) => s.name.length)));
  let scope = "";
  for (const s of r.symbols) {
    if (s.scope !== scope) {
      scope = s.scope;
      lines.push(`  ${scope}`);
    }
    const shown = s.type === "int" && s.value !== undefined ? `int = ${formatDim(s.value ?? null)}` : s.type !== "array" ? s.type : formatShape(s.shape);
    const src = s.source === "inferred" ? "" : `  [${s.source}]`;
    lines.push(`    ${String(s.line).padStart(4)}  ${s.name.padEnd(width)}  ${shown}${src}`);
  }
  const errors = r.diagnostics.filter((d) => d.severity === "error").length;
  const warnings = r.diagnostics.length - errors;
  for (const d of r.diagnostics) lines.push(`${r.file}:${d.line}:${d.column + 1}: ${d.severity}: ${d.message}${d.fix ? ` (fix: ${d.fix})` : ""}`);
  for (const s of r.skipped) lines.push(`note: ${s}`);
  lines.push(`${r.symbols.length} shapes, ${errors} error${errors === 1 ? "" : "s"}, ${warnings} warning${warnings === 1 ? "" : "s"}`);
  return lines.join("\n");
}

if (require.main === module) {
  main(process.argv.slice(2), { out: (t) => process.stdout.write(t + "\n"), err: (t) => process.stderr.write(t + "\n") }).then(
    (code) => (process.exitCode = code),
    (e) => {
      process.stderr.write(`gradlens: internal error: ${(e as Error).stack ?? e}\n`);
      process.exitCode = EXIT.usage;
    },
  );
}
