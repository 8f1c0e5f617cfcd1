// `npm run demo`: the shapes command on every bundled example. shape_errors.py is
// meant to have errors (exit 1); anything else failing, or a crash, fails the demo.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const dir = "examples";
let failed = false;
for (const name of readdirSync(dir).filter((f) => f.endsWith(".py")).sort()) {
  const file = join(dir, name);
  console.log(`\n$ gradlens shapes ${file}`);
  const r = spawnSync(process.execPath, ["dist/cli.js", "shapes", file], { stdio: "inherit" });
  const expected = name === "shape_errors.py" ? 1 : 0;
  if (r.status !== expected) {
    console.error(`demo: gradlens shapes ${file} exited ${r.status ?? r.signal}, expected ${expected}`);
    failed = true;
  }
}
process.exitCode = failed ? 1 : 0;
