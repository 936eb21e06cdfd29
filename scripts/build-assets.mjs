// Copy the third-party files the pages need from node_modules into build/static/vendor.
// Run by `npm run build` after `npm ci`; build/ is not committed, Django serves it via STATICFILES_DIRS.
import { copyFileSync, mkdirSync, rmSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const vendor = join(root, "build", "static", "vendor");

const FILES = [
  ["htmx.org/dist/htmx.min.js", "htmx/htmx.min.js"],
  ["@picocss/pico/css/pico.min.css", "pico/pico.min.css"],
  ["@picocss/pico/LICENSE.md", "pico/LICENSE.md"],
  ["htmx.org/LICENSE", "htmx/LICENSE"],
  ["echarts/dist/echarts.min.js", "echarts/echarts.min.js"],
  ["echarts/LICENSE", "echarts/LICENSE"],
];

rmSync(vendor, { recursive: true, force: true });
for (const [source, target] of FILES) {
  const from = join(root, "node_modules", source);
  if (!existsSync(from)) {
    console.error(`missing ${from}: run \`npm ci\` first`);
    process.exit(1);
  }
  const to = join(vendor, target);
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
  console.log(`${source} -> build/static/vendor/${target}`);
}
