// Builds the console (console/src -> console/public/console/app.js + app.css)
// with esbuild: one minified ES module with uPlot inside, no CDN. Workers
// Static Assets serve console/public (wrangler.toml [assets]), so none of this
// enters the Worker's bundle. wrangler runs this as its [build] command
// (wrangler dev, deploy); `--report` prints the sizes the README states.
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";

const here = import.meta.dirname;
const outdir = path.join(here, "public/console");

await build({
  entryPoints: { app: path.join(here, "src/main.ts") },
  outdir,
  bundle: true,
  format: "esm",
  target: "es2022",
  minify: true,
  legalComments: "none",
  logLevel: "warning",
});

if (process.argv.includes("--report")) {
  let raw = 0;
  let gz = 0;
  for (const file of ["index.html", "style.css", "app.css", "app.js"]) {
    const bytes = readFileSync(path.join(outdir, file));
    raw += bytes.length;
    gz += gzipSync(bytes).length;
    console.log(
      `${file.padEnd(12)} ${(bytes.length / 1024).toFixed(1).padStart(6)} KiB  ${(gzipSync(bytes).length / 1024).toFixed(1).padStart(5)} KiB gzipped`,
    );
  }
  console.log(
    `${"total".padEnd(12)} ${(raw / 1024).toFixed(1).padStart(6)} KiB  ${(gz / 1024).toFixed(1).padStart(5)} KiB gzipped`,
  );
}
