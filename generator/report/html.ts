// The report page's HTML: escaping, tables, and the page frame with its inline style. Nothing
// here fetches anything: the charts are inline SVG, and the page needs no script.

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A cell: text (escaped), or { html } for markup made here. */
export type Cell = string | number | { html: string };

function cellHtml(cell: Cell): string {
  if (typeof cell === 'number') return String(cell);
  return typeof cell === 'string' ? escapeHtml(cell) : cell.html;
}

/** A table; columns after the first are right-aligned (numbers) unless `leftColumns` says otherwise. */
export function table(headers: string[], rows: Cell[][], opts: { leftColumns?: number; className?: string } = {}): string {
  const left = opts.leftColumns ?? 1;
  const cls = (i: number) => (i < left ? '' : ' class="num"');
  const head = headers.map((h, i) => `<th${cls(i)}>${escapeHtml(h)}</th>`).join('');
  const body = rows.map((row) => `<tr>${row.map((c, i) => `<td${cls(i)}>${cellHtml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table${opts.className ? ` class="${opts.className}"` : ''}>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

/** A chart's SVG in a figure with its caption. */
export function figure(id: string, svg: string, caption: string): string {
  return `<figure id="${id}">\n${svg}\n<figcaption>${caption}</figcaption>\n</figure>`;
}

const STYLE = `
body { font-family: sans-serif; margin: 24px; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 1.6em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 8px 0; font-size: 0.85em; }
th, td { padding: 3px 8px; border-bottom: 1px solid #e4e4e4; text-align: left; white-space: nowrap; }
th { background: #f3f3f3; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 12px 0; } figcaption { font-size: 0.85em; color: #555; max-width: 1000px; }
.status-ok { color: #1a7f37; font-weight: bold; } .status-bad { color: #c62828; font-weight: bold; } .status-estimate { color: #6a4c93; font-weight: bold; }
.meta { color: #444; } .bound-compute { color: #c0392b; } .bound-bandwidth { color: #2c5f8a; }
`;

/** The whole page; `generator` names the tool and version in a meta tag. */
export function page(title: string, generator: string, body: string): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta name="generator" content="${escapeHtml(generator)}">`,
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    body,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
