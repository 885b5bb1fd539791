// Plain-text tables and number formatting for human-readable CLI reports.

/** Columns separated by two spaces; `align` has one letter per column, "l" or "r". */
export function textTable(header: string[], rows: string[][], align: string, indent = ""): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]): string =>
    indent +
    cells
      .map((c, i) => (align[i] === "r" ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/** 1234567 → "1,234,567". */
export function formatInt(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}
