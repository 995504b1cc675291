// Renders a Vega-Lite chart to an SVG string in Node, with Vega's headless view (no browser, no
// canvas: text widths are Vega's estimate, the same on every machine, so output is deterministic).
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export type ChartSpec = TopLevelSpec;

/** The chart as standalone SVG markup, each mark that has a tooltip carrying it as a hover title. */
export async function renderSvg(spec: ChartSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return addHoverTitles(await view.toSVG());
  } finally {
    view.finalize();
  }
}

/**
 * Vega's SVG writer puts a mark's tooltip in its aria-label only (a browser shows a tooltip for an
 * SVG shape from a <title> child): copy it into one, so that hovering a bar names its task
 * without any script. Only shapes (role graphics-symbol) written as empty elements get one.
 */
export function addHoverTitles(svg: string): string {
  return svg.replace(/<(path|rect|line|circle)( [^<>]*?)\/>/g, (element: string, tag: string, attrs: string) => {
    const label = / aria-label="([^"]*)"/.exec(attrs);
    if (!label || !attrs.includes(' role="graphics-symbol"')) return element;
    // The label is escaped attribute text already, which is also valid element text.
    return `<${tag}${attrs}><title>${label[1]}</title></${tag}>`;
  });
}
