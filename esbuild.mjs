// One bundle per runtime: the extension host, the language server process and the
// CLI (and the benchmarks, which are not shipped).
import * as esbuild from "esbuild";
import { readFileSync } from "node:fs";

const watch = process.argv.includes("--watch");
const production = process.argv.includes("--production");
const { version } = JSON.parse(readFileSync("package.json", "utf8"));

const common = {
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node18",
  sourcemap: !production,
  minify: production,
  logLevel: "warning",
  define: { GRADLENS_VERSION: JSON.stringify(version) },
};

const builds = [
  { ...common, entryPoints: ["src/extension/extension.ts"], outfile: "dist/extension.js", external: ["vscode"] },
  { ...common, entryPoints: ["src/server/server.ts"], outfile: "dist/server.js" },
  { ...common, entryPoints: ["src/cli/main.ts"], outfile: "dist/cli.js", banner: { js: "#!/usr/bin/env node" } },
  // The benchmarks time the engine as bundled for users, not as transpiled on the fly.
  { ...common, entryPoints: ["bench/run.ts"], outfile: "dist/bench.js", sourcemap: false },
];

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
  console.log("watching…");
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
