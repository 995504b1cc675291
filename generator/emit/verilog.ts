// Renders leaf and structural modules to Verilog text.
import type { LeafModule } from '../arch/leaves.ts';
import { renderExpr, type PortDef, type StructuralModule } from '../dsl/module.ts';
import { registerPartial, render } from './templates.ts';

export interface HeaderInfo {
  version: string;
  source: string;
  hash: string;
  command: string;
}

registerPartial('header', 'rtl/_header.hbs');

/** lowRISC's line length. */
export const MAX_COLUMNS = 100;

function wrapComment(indent: string, text: string, max: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && `${indent}// ${line} ${word}`.length > max) {
      lines.push(`${indent}// ${line}`);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  return [...lines, `${indent}// ${line}`];
}

/**
 * A generated line cut to the line length: a comment wraps at words, a trailing comment moves
 * above its code, and code breaks after a comma or before a binary and, or, plus or `?`,
 * continuing four columns deeper. `codeToo` false leaves code lines alone (templates' code is laid out by hand).
 */
export function fitLine(line: string, max = MAX_COLUMNS, codeToo = true): string[] {
  if (line.length <= max) return [line];
  const comment = /^(\s*)\/\/ (.*)$/.exec(line);
  if (comment) return wrapComment(comment[1], comment[2], max);
  if (!codeToo) return [line];
  const trailing = /^(\s*)(.*?\S)\s{2,}\/\/ (.*)$/.exec(line);
  if (trailing) return [...wrapComment(trailing[1], trailing[3], max), ...fitLine(trailing[1] + trailing[2], max)];
  const indent = /^\s*/.exec(line)![0];
  const pieces = line.slice(indent.length).split(/(?<=, )|(?= (?:&&|\|\||[&|+?]) )/);
  const out: string[] = [];
  let current = indent;
  for (const piece of pieces) {
    const next = current.trim() === '' ? current + piece.trimStart() : current + piece;
    if (next.trimEnd().length > max && current.trim() !== '') {
      out.push(current.trimEnd());
      current = `${indent}    ${piece.trimStart()}`;
    } else {
      current = next;
    }
  }
  return [...out, current.trimEnd()];
}

/** Every line of a generated file cut to MAX_COLUMNS. */
function fitText(text: string, codeToo: boolean): string {
  return text.split('\n').flatMap((line) => fitLine(line, MAX_COLUMNS, codeToo)).join('\n');
}

const range = (width: number, vector = false): string => (width === 1 && !vector ? '' : `[${width - 1}:0]`);

function portList(ports: readonly PortDef[]) {
  return ports.map((p) => ({ dir: p.dir === 'input' ? 'input ' : 'output', range: range(p.width, p.vector), name: p.name, doc: p.doc ?? '' }));
}

export function renderLeaf(leaf: LeafModule, header: HeaderInfo): string {
  const localparams = leaf.localparams.map(([name, value]) => ({ name, value }));
  const body = render(leaf.template.startsWith('/') ? leaf.template : `rtl/${leaf.template}`, { ...leaf.context });
  return fitText(render('rtl/_leaf_module.sv.hbs', {
    ...header,
    name: leaf.name,
    doc: leaf.doc,
    ports: portList(leaf.ports),
    localparams,
    body: body.trimEnd() + '\n',
  }), true);
}

export function renderStructural(mod: StructuralModule, header: HeaderInfo): string {
  const widths = new Map<string, number>([...mod.ports, ...mod.wires].map((s) => [s.name, s.width]));
  const widthOf = (name: string) => widths.get(name);
  return fitText(render('rtl/_structural_module.sv.hbs', {
    ...header,
    name: mod.name,
    doc: mod.doc,
    ports: portList(mod.ports),
    wires: mod.wires.map((w) => ({ name: w.name, range: range(w.width), doc: w.doc ?? '' })),
    assigns: mod.assigns.map((a) => ({ target: renderExpr(a.target, widthOf), value: renderExpr(a.value, widthOf) })),
    unused: mod.unused.map((u) => ({ name: u.name, reason: u.reason, signals: u.signals.map((e) => renderExpr(e, widthOf)).join(', ') })),
    instances: mod.instances.map((inst) => {
      const names = inst.module.ports.map((p) => p.name);
      const longest = Math.max(...names.map((n) => n.length));
      return {
        module: inst.module.name,
        name: inst.name,
        connections: names.map((port) => ({
          port,
          pad: ' '.repeat(longest - port.length + 1),
          expr: renderExpr(inst.connections[port], widthOf),
        })),
      };
    }),
  }), true);
}
