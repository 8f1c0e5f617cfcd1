// One bundle per runtime: the extension host, the language server process, the CLI,
// the graph panel's webview (and the benchmarks, which are not shipped).
import * as esbuild from "esbuild";
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";

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

// The webview's workers are started from blob: URLs (a webview may not start one from
// its resource origin), so `import src from "worker:./x.ts"` bundles x.ts on its own
// and hands the bundle in as text.
const inlineWorker = {
  name: "inline-worker",
  setup(build) {
    build.onResolve({ filter: /^worker:/ }, (args) => ({
      path: path.resolve(args.resolveDir, args.path.slice("worker:".length)),
      namespace: "inline-worker",
    }));
    build.onLoad({ filter: /.*/, namespace: "inline-worker" }, async (args) => {
      const result = await esbuild.build({
        entryPoints: [args.path],
        bundle: true,
        write: false,
        format: "iife",
        platform: "browser",
        target: "chrome114",
        minify: true,
        metafile: true,
        logLevel: "warning",
      });
      return {
        contents: result.outputFiles[0].text,
        loader: "text",
        watchFiles: Object.keys(result.metafile.inputs).map((f) => path.resolve(f)),
      };
    });
  },
};

const webview = {
  bundle: true,
  platform: "browser",
  format: "iife",
  target: "chrome114",
  sourcemap: !production,
  minify: production,
  logLevel: "warning",
  entryPoints: { main: "src/webview/main.ts", scratchpad: "src/webview/scratchpadEntry.ts", panel: "src/webview/panel.css", report: "src/webview/report/main.ts", reportStyle: "src/webview/report/report.css" },
  outdir: "dist/webview",
  plugins: [inlineWorker],
};

// KaTeX's CSS and the fonts it names, served to the webview from the extension.
// Only woff2: every webview engine VS Code ships reads it, and it is the first
// format KaTeX's CSS offers.
function copyKatex() {
  const from = "node_modules/katex/dist";
  const to = "dist/webview/katex";
  mkdirSync(`${to}/fonts`, { recursive: true });
  cpSync(`${from}/katex.min.css`, `${to}/katex.min.css`);
  for (const f of readdirSync(`${from}/fonts`)) if (f.endsWith(".woff2")) cpSync(`${from}/fonts/${f}`, `${to}/fonts/${f}`);
}

const builds = [
  { ...common, entryPoints: ["src/extension/extension.ts"], outfile: "dist/extension.js", external: ["vscode"] },
  { ...common, entryPoints: ["src/server/server.ts"], outfile: "dist/server.js" },
  // elkjs (1.5 MB, only for --svg) stays a package the CLI loads when asked, so start-up stays fast.
  { ...common, entryPoints: ["src/cli/main.ts"], outfile: "dist/cli.js", banner: { js: "#!/usr/bin/env node" }, external: ["elkjs"] },
  // The benchmarks time the engine as bundled for users, not as transpiled on the fly.
  { ...common, entryPoints: ["bench/run.ts"], outfile: "dist/bench.js", sourcemap: false },
  webview,
];

// Emptied first so that no stale file (a source map from a dev build) is packaged.
rmSync("dist/webview", { recursive: true, force: true });
copyKatex();
if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
  console.log("watching…");
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
