// Loads and compiles Handlebars templates from templates/ (relative to this package, never cwd).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';

export const TEMPLATE_ROOT = fileURLToPath(new URL('../../templates/', import.meta.url));

const hbs = Handlebars.create();
const cache = new Map<string, Handlebars.TemplateDelegate>();

export function templateText(relPath: string): string {
  return readFileSync(TEMPLATE_ROOT + relPath, 'utf8');
}

/** Renders a template; templates are compiled once and may use the partials registered here. */
export function render(relPath: string, context: unknown): string {
  let tpl = cache.get(relPath);
  if (!tpl) {
    tpl = hbs.compile(templateText(relPath), { noEscape: true, strict: true });
    cache.set(relPath, tpl);
  }
  return tpl(context);
}

export function registerPartial(name: string, relPath: string): void {
  hbs.registerPartial(name, templateText(relPath));
}
