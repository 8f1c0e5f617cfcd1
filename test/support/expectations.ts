import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { analyzeShapes } from "../../src/engine/shapes/infer.ts";
import { shapesReport } from "../../src/engine/shapes/report.ts";
import { parseDim, substituteDim, symbolsOf, type Dim } from "../../src/engine/shapes/dim.ts";

/**
 * Fixture files with their expected shapes kept beside them in `NAME.expected.json`
 * (never in comments the engine reads), and the comparison used by both the fixture
 * tests and the accuracy benchmark.
 */
export interface Expected {
  symbols: { name: string; line: number; shape: (number | string | null)[] | null }[];
  errors?: { line: number; contains: string }[];
  warnings?: { line: number; contains: string }[];
}

export interface Comparison {
  file: string;
  targets: number;
  right: number;
  wrong: string[];
  missingErrors: string[];
  falseErrors: string[];
  missingWarnings: string[];
  falseWarnings: string[];
}

function normalise(d: number | string | null): Dim {
  return typeof d === "string" ? parseDim(d) : d;
}

/**
 * Two dims are the same when they print the same, or when they agree in value at
 * several random sizes: `1+(H-1)//s` and `(H+s-1)//s` are one dim written two ways.
 */
export function sameDim(a: Dim, expected: number | string | null): boolean {
  const b = normalise(expected);
  if (a === b) return true;
  if (a === null || b === null) return false;
  const names = [...new Set([...symbolsOf(a), ...symbolsOf(b)])];
  for (let trial = 0; trial < 4; trial++) {
    const values = new Map<string, Dim>(names.map((n, i) => [n, 7 + ((i * 13 + trial * 29) % 41)]));
    const x = substituteDim(a, values);
    const y = substituteDim(b, values);
    if (typeof x !== "number" || typeof y !== "number" || x !== y) return false;
  }
  return true;
}

export function sameShape(a: Dim[] | null, b: (number | string | null)[] | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.every((d, i) => sameDim(d, b[i]));
}

export function compareFile(pyPath: string): Comparison {
  const expected = JSON.parse(readFileSync(pyPath.replace(/\.py$/, ".expected.json"), "utf8")) as Expected;
  const report = shapesReport(pyPath, analyzeShapes(readFileSync(pyPath, "utf8")));
  const wrong: string[] = [];
  let right = 0;
  for (const e of expected.symbols) {
    const got = report.symbols.filter((s) => s.name === e.name && s.line === e.line);
    const show = (s: unknown) => JSON.stringify(s);
    if (got.some((g) => sameShape(g.shape, e.shape))) right++;
    else wrong.push(`${e.name}@${e.line}: expected ${show(e.shape)}, got ${got.length ? got.map((g) => show(g.shape)).join(" | ") : "nothing"}`);
  }
  const match = (kind: "error" | "warning", list: { line: number; contains: string }[] = []) => {
    const reported = report.diagnostics.filter((d) => d.severity === kind);
    const missing = list.filter((e) => !reported.some((d) => d.line === e.line && d.message.includes(e.contains))).map((e) => `${kind} line ${e.line} containing "${e.contains}"`);
    const extra = reported.filter((d) => !list.some((e) => e.line === d.line)).map((d) => `line ${d.line}: ${d.message}`);
    return { missing, extra };
  };
  const errors = match("error", expected.errors);
  const warnings = match("warning", expected.warnings);
  return {
    file: pyPath,
    targets: expected.symbols.length,
    right,
    wrong,
    missingErrors: errors.missing,
    falseErrors: errors.extra,
    missingWarnings: warnings.missing,
    falseWarnings: warnings.extra,
  };
}

export function fixtureFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".py") && existsSync(join(dir, f.replace(/\.py$/, ".expected.json"))))
    .sort()
    .map((f) => join(dir, f));
}
