// Compiles the engine's WebAssembly text (src/engine/graph/wasm/*.wat) into TypeScript
// modules holding the binary as base64, so that the engine, its tests (run from source)
// and every bundle load it the same way, with no loader or file to find at run time.
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import wabt from "wabt";

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "src", "engine", "graph", "wasm");

async function generatedModules() {
  const w = await wabt();
  const out = [];
  for (const name of readdirSync(DIR).filter((f) => f.endsWith(".wat")).sort()) {
    const source = readFileSync(path.join(DIR, name), "utf8");
    const module = w.parseWat(name, source, { simd: true });
    try {
      module.validate();
      const { buffer } = module.toBinary({});
      const base = name.replace(/\.wat$/, "");
      const text = [
        `// Generated from ${name} by scripts/build-wasm.mjs (npm run build); do not edit.`,
        `export const ${base}Wasm = "${Buffer.from(buffer).toString("base64")}";`,
        "",
      ].join("\n");
      out.push({ file: path.join(DIR, `${base}.wasm.ts`), text });
    } finally {
      module.destroy();
    }
  }
  return out;
}

// Written only when changed, so that a build does not wake watchers for nothing.
for (const { file, text } of await generatedModules()) {
  let current = "";
  try {
    current = readFileSync(file, "utf8");
  } catch {
    // not generated yet
  }
  if (current !== text) writeFileSync(file, text);
}
