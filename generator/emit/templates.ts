// Loads and compiles Handlebars templates from templates/ (relative to this package, never cwd).
import { readFileSync } from 'node:fs';
import Handlebars from 'handlebars';
import { assetPath, packagePath } from '../paths.ts';

export const TEMPLATE_ROOT = packagePath('templates/');

const hbs = Handlebars.create();
const cache = new Map<string, Handlebars.TemplateDelegate>();

/** A template's path: relative to templates/, or absolute (a block's own template, next to its block.ts). */
const resolvePath = (path: string): string => (path.startsWith('/') ? path : TEMPLATE_ROOT + path);

export function templateText(path: string): string {
  return readFileSync(resolvePath(path), 'utf8');
}

/** The absolute path of a template that sits next to a module (pass import.meta.url). */
export function siblingTemplate(moduleUrl: string, file: string): string {
  return assetPath(moduleUrl, file);
}

/** Renders a template (path as for templateText); templates are compiled once and may use the partials registered here. */
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
