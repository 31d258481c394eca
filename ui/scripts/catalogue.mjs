// Every text the window looks up with t("…") has its Japanese in the one catalogue (src/i18n.ts):
// a missing one would reach the window in English. Run by `npm run lint`.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const src = fileURLToPath(new URL("../src/", import.meta.url));
const i18n = readFileSync(join(src, "i18n.ts"), "utf8");
const start = i18n.indexOf("const ja: Record<string, string> = {");
const table = i18n.slice(start, i18n.indexOf("\n};", start));
const keys = new Set();
for (const m of table.matchAll(/^\s*(?:"((?:[^"\\]|\\.)*)"|([A-Za-z_]\w*))\s*:/gm)) {
  keys.add(m[1] !== undefined ? JSON.parse(`"${m[1]}"`) : m[2]);
}
if (start < 0 || keys.size === 0) throw new Error("src/i18n.ts: the Japanese table was not found");

const missing = [];
for (const file of readdirSync(src).filter((f) => f.endsWith(".ts"))) {
  const text = readFileSync(join(src, file), "utf8");
  for (const m of text.matchAll(/\bt\(\s*"((?:[^"\\]|\\.)*)"\s*\)/g)) {
    const key = JSON.parse(`"${m[1]}"`);
    if (!keys.has(key)) {
      const line = text.slice(0, m.index).split("\n").length;
      missing.push(`src/${file}:${line}: t(${JSON.stringify(key)}) has no Japanese in src/i18n.ts`);
    }
  }
}
if (missing.length > 0) {
  console.error(missing.join("\n"));
  process.exit(1);
}
