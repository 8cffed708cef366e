// Writes a horizontal bar chart as a standalone SVG file, for docs/.

const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;");

/**
 * bars: [{ label, value, text?, color? }]; unit: text after each value.
 * Returns the SVG text.
 */
export function barChart({ title, subtitle = "", bars, unit, width = 640 }) {
  const left = 230;
  const right = 110;
  const rowH = 30;
  const top = subtitle ? 58 : 42;
  const height = top + bars.length * rowH + 16;
  const max = Math.max(...bars.map((b) => b.value)) || 1;
  const colors = ["#3b6fb6", "#9aa5b1", "#d08c2f", "#5a9e6f"];
  const rows = bars
    .map((b, i) => {
      const y = top + i * rowH;
      const w = Math.max(1, ((width - left - right) * b.value) / max);
      return `<text x="${left - 8}" y="${y + 19}" text-anchor="end">${esc(b.label)}</text>
<rect x="${left}" y="${y + 5}" width="${w.toFixed(1)}" height="20" fill="${b.color ?? colors[i % colors.length]}" rx="2"/>
<text x="${left + w + 6}" y="${y + 19}">${esc(b.text ?? `${b.value} ${unit}`)}</text>`;
    })
    .join("\n");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="13">
<rect width="100%" height="100%" fill="#fff"/>
<text x="12" y="22" font-size="15" font-weight="bold">${esc(title)}</text>
${subtitle ? `<text x="12" y="42" fill="#555">${esc(subtitle)}</text>` : ""}
${rows}
</svg>
`;
}
