// Horizontal grouped bar charts as SVG, rendered to PNG with resvg (a
// registry-shipped binary; no install script). Log-scale x axis, since the
// values span orders of magnitude.

import { existsSync } from "node:fs";
import { Resvg } from "@resvg/resvg-js";

export interface BarSeries {
  name: string;
  color: string;
  /** One value per category; undefined or non-positive values draw no bar. */
  values: (number | undefined)[];
}

export interface BarChart {
  title: string;
  subtitle?: string;
  categories: string[];
  series: BarSeries[];
  xLabel: string;
  /** Draws a dashed reference line at this x (e.g. ratio 1); bars then start there. */
  reference?: number;
  format: (v: number) => string;
  /** Axis tick labels (default: format). */
  tickFormat?: (v: number) => string;
}

const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function barChartSvg(c: BarChart): string {
  const labelW = 330;
  const plotW = 560;
  const right = 90;
  const barH = 13;
  const groupGap = 12;
  const top = c.subtitle ? 78 : 62;
  const legendH = 22;
  const groupH = c.series.length * barH + groupGap;
  const height = top + legendH + c.categories.length * groupH + 50;
  const width = labelW + plotW + right;
  const vals = c.series.flatMap((s) => s.values).filter((v): v is number => v !== undefined && v > 0);
  if (c.reference) vals.push(c.reference);
  let lo = Math.pow(10, Math.floor(Math.log10(Math.min(...vals))));
  let hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...vals))));
  if (!(lo > 0) || !Number.isFinite(hi)) [lo, hi] = [0.1, 10];
  if (hi / lo < 10) hi = lo * 10;
  const x = (v: number): number => labelW + ((Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * plotW;
  const y0 = top + legendH;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="DejaVu Sans, sans-serif">`);
  out.push(`<rect width="100%" height="100%" fill="white"/>`);
  out.push(`<text x="16" y="28" font-size="17" font-weight="bold">${esc(c.title)}</text>`);
  if (c.subtitle) out.push(`<text x="16" y="50" font-size="12" fill="#555">${esc(c.subtitle)}</text>`);
  // Legend.
  let lx = labelW;
  for (const s of c.series) {
    out.push(`<rect x="${lx}" y="${top - 4}" width="12" height="12" fill="${s.color}"/>`);
    out.push(`<text x="${lx + 16}" y="${top + 6}" font-size="12">${esc(s.name)}</text>`);
    lx += 24 + s.name.length * 7;
  }
  // Decade grid lines.
  for (let d = lo; d <= hi * 1.0001; d *= 10) {
    const gx = x(d);
    out.push(`<line x1="${gx}" y1="${y0 - 4}" x2="${gx}" y2="${height - 40}" stroke="#ddd"/>`);
    out.push(`<text x="${gx}" y="${height - 26}" font-size="11" text-anchor="middle" fill="#444">${esc((c.tickFormat ?? c.format)(d))}</text>`);
  }
  out.push(`<text x="${labelW + plotW / 2}" y="${height - 8}" font-size="12" text-anchor="middle">${esc(c.xLabel)}</text>`);
  c.categories.forEach((cat, ci) => {
    const gy = y0 + ci * groupH;
    out.push(`<text x="${labelW - 8}" y="${gy + (c.series.length * barH) / 2 + 4}" font-size="12" text-anchor="end">${esc(cat)}</text>`);
    c.series.forEach((s, si) => {
      const v = s.values[ci];
      const by = gy + si * barH;
      if (v === undefined || !(v > 0)) {
        out.push(`<text x="${labelW + 4}" y="${by + barH - 3}" font-size="10" fill="#999">${v === 0 ? "0" : "n/a"}</text>`);
        return;
      }
      // With a reference, bars grow from it (left when below, right when above).
      const base = c.reference ? x(c.reference) : labelW;
      const end = x(v);
      const [bx, w] = end >= base ? [base, Math.max(1, end - base)] : [end, Math.max(1, base - end)];
      out.push(`<rect x="${bx}" y="${by}" width="${w}" height="${barH - 2}" fill="${s.color}"/>`);
      if (end >= base) out.push(`<text x="${bx + w + 4}" y="${by + barH - 3}" font-size="10" fill="#333">${esc(c.format(v))}</text>`);
      else out.push(`<text x="${bx - 4}" y="${by + barH - 3}" font-size="10" fill="#333" text-anchor="end">${esc(c.format(v))}</text>`);
    });
  });
  if (c.reference) {
    const rx = x(c.reference);
    out.push(`<line x1="${rx}" y1="${y0 - 4}" x2="${rx}" y2="${height - 40}" stroke="#000" stroke-dasharray="4 3"/>`);
  }
  out.push(`</svg>`);
  return out.join("\n");
}

const FONT_CANDIDATES = ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans.ttf"];

export function renderPng(svg: string): Buffer {
  const fontFiles = FONT_CANDIDATES.filter((f) => existsSync(f));
  const r = new Resvg(svg, { font: { loadSystemFonts: true, fontFiles, defaultFontFamily: "DejaVu Sans" }, fitTo: { mode: "zoom", value: 1.5 } });
  return r.render().asPng();
}
