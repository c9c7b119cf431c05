// Build one SVG sprite from the bootstrap-icons named in scripts/icons.txt.
// A dozen lines of our own rather than a sprite package: the icons are
// already clean 16x16 SVGs, so all we do is rename <svg> to <symbol>.
//   node scripts/sprite.mjs scripts/icons.txt mentoring/static/vendor/icons.svg
import { readFileSync, writeFileSync } from "node:fs";

const [list, out] = process.argv.slice(2);
const names = readFileSync(list, "utf8").split("\n").map((l) => l.trim())
  .filter((l) => l && !l.startsWith("#"));
const symbols = names.map((name) => {
  const svg = readFileSync(`node_modules/bootstrap-icons/icons/${name}.svg`, "utf8");
  const viewBox = svg.match(/viewBox="([^"]+)"/)[1];
  const inner = svg.replace(/^[\s\S]*?<svg[^>]*>/, "").replace(/<\/svg>\s*$/, "").replace(/\s*\n\s*/g, "");
  return `<symbol id="${name}" viewBox="${viewBox}">${inner}</symbol>`;
});
writeFileSync(out, `<svg xmlns="http://www.w3.org/2000/svg">${symbols.join("")}</svg>\n`);
console.log(`${out}: ${names.length} icons`);
