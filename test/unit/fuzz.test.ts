import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { analyzeShapes } from "../../src/engine/shapes/infer.ts";
import { shapesReport } from "../../src/engine/shapes/report.ts";

/**
 * Thousands of truncated and mutated Python files: the analysis must never throw,
 * and every file must finish within a time bound (a hang is a failure, not a slow test).
 */

const SEED_DIRS = ["examples", "test/fixtures/shapes", "bench/corpus"];
const seeds: string[] = SEED_DIRS.filter(existsSync).flatMap((d) =>
  readdirSync(d)
    .filter((f) => f.endsWith(".py"))
    .map((f) => readFileSync(join(d, f), "utf8")),
);

/** mulberry32: a small seeded PRNG so a failure can be replayed. */
function rng(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const JUNK = ["(", ")", "[", "]", ":", "@", ".", ",", '"', "'''", "\n", "    ", "\t", "=", "lambda", "*", "**", "\\", "#", "\uFFFD", "if", "else", "def ", "x.shape", "None", "-1", "0"];

function mutate(src: string, r: () => number): string {
  const kind = Math.floor(r() * 5);
  const at = Math.floor(r() * (src.length + 1));
  switch (kind) {
    case 0:
      return src.slice(0, at);
    case 1:
      return src.slice(0, at) + src.slice(at + 1 + Math.floor(r() * 20));
    case 2:
      return src.slice(0, at) + JUNK[Math.floor(r() * JUNK.length)] + src.slice(at);
    case 3: {
      const lines = src.split("\n");
      const i = Math.floor(r() * lines.length);
      const j = Math.floor(r() * lines.length);
      [lines[i], lines[j]] = [lines[j], lines[i]];
      return lines.join("\n");
    }
    default: {
      const lines = src.split("\n");
      const i = Math.floor(r() * lines.length);
      lines.splice(i, 0, lines[Math.floor(r() * lines.length)] ?? "");
      return lines.join("\n");
    }
  }
}

function analyseWithin(src: string, ms: number, label: string) {
  const t0 = performance.now();
  let result;
  try {
    result = shapesReport("fuzz.py", analyzeShapes(src));
  } catch (e) {
    assert.fail(`${label}: threw ${(e as Error).stack}\n--- source ---\n${src.slice(0, 2000)}`);
  }
  const took = performance.now() - t0;
  assert.ok(took < ms, `${label}: took ${took.toFixed(0)} ms (bound ${ms} ms)`);
  JSON.stringify(result);
}

test("3,000 mutated and truncated files: no exception, each within 1 s", () => {
  assert.ok(seeds.length >= 3, "the fixtures and examples are the fuzz seeds");
  const r = rng(20261126);
  let n = 0;
  for (let i = 0; n < 3000; i++) {
    let src = seeds[i % seeds.length];
    const rounds = 1 + Math.floor(r() * 4);
    for (let k = 0; k < rounds; k++) src = mutate(src, r);
    analyseWithin(src, 1000, `variant ${n}`);
    n++;
  }
});

test("pathological inputs: deep nesting, non-UTF-8 bytes, a 2 MB file, empty files", () => {
  analyseWithin("x = " + "(".repeat(500) + "1" + ")".repeat(500) + "\n", 2000, "500-deep parentheses");
  let nested = "def f(x):  # x: (N,)\n";
  for (let d = 1; d <= 500; d++) nested += "    ".repeat(d) + `if x${d}:\n`;
  nested += "    ".repeat(501) + "y = x @ x\n";
  analyseWithin(nested, 5000, "500-deep ifs");
  analyseWithin("x = [" + "[".repeat(500) + "]".repeat(500) + "]\n", 2000, "500-deep lists");
  analyseWithin("y = " + "a.".repeat(2000) + "b\n", 2000, "a 2000-long attribute chain");
  const bytes = Buffer.from([0x64, 0x65, 0x66, 0x20, 0x66, 0x28, 0xff, 0xfe, 0x29, 0x3a, 0x0a, 0x20, 0x20, 0xc3, 0x28, 0x0a]);
  analyseWithin(bytes.toString("utf8"), 1000, "invalid UTF-8 decoded with replacement characters");
  analyseWithin("", 100, "empty file");
  analyseWithin("\n\n\n", 100, "blank file");
  const big = seeds.join("\n\n");
  let twoMB = "";
  while (twoMB.length < 2 * 1024 * 1024) twoMB += big + "\n\n";
  analyseWithin(twoMB, 30000, "a 2 MB file");
});
