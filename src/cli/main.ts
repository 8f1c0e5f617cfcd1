import { readFileSync, statSync } from "node:fs";
import { parseArgs } from "node:util";
import { analyzeShapes } from "../engine/shapes/infer.js";
import { shapesReport, type ShapesReport } from "../engine/shapes/report.js";
import { formatShape, formatDim } from "../engine/shapes/dim.js";

/**
 * `gradlens`: the engine on the command line, for terminals and CI. Exit codes are
 * fixed by the contract: 0 success, 1 a check failed or a shape error was found,
 * 2 bad usage, an unreadable file or a missing interpreter.
 */

const USAGE = `usage: gradlens <command> [options]

commands:
  shapes FILE [--json]   infer tensor shapes and report shape errors

Run 'gradlens <command> --help' for a command's options.`;

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export function main(argv: string[], io: Io): number {
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
    default:
      io.err(`gradlens: unknown command '${command}'\n\n${USAGE}`);
      return EXIT.usage;
  }
}

declare const GRADLENS_VERSION: string | undefined;
const VERSION = typeof GRADLENS_VERSION === "string" ? GRADLENS_VERSION : "dev";

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
  let text: string;
  try {
    if (statSync(file).isDirectory()) throw new Error("is a folder; give a .py file");
    text = readFileSync(file, "utf8");
  } catch (e) {
    io.err(`gradlens shapes: cannot read ${file}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`);
    return EXIT.usage;
  }
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
  const code = main(process.argv.slice(2), { out: (t) => process.stdout.write(t + "\n"), err: (t) => process.stderr.write(t + "\n") });
  process.exitCode = code;
}
