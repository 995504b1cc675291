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

const range = (width: number, vector = false): string => (width === 1 && !vector ? '' : `[${width - 1}:0]`);

function portList(ports: readonly PortDef[]) {
  return ports.map((p) => ({ dir: p.dir === 'input' ? 'input ' : 'output', range: range(p.width, p.vector), name: p.name, doc: p.doc ?? '' }));
}

export function renderLeaf(leaf: LeafModule, header: HeaderInfo): string {
  const localparams = leaf.localparams.map(([name, value]) => ({ name, value }));
  const body = render(leaf.template.startsWith('/') ? leaf.template : `rtl/${leaf.template}`, { ...leaf.context });
  return render('rtl/_leaf_module.sv.hbs', {
    ...header,
    name: leaf.name,
    doc: leaf.doc,
    ports: portList(leaf.ports),
    localparams,
    body: body.trimEnd() + '\n',
  });
}

export function renderStructural(mod: StructuralModule, header: HeaderInfo): string {
  const widths = new Map<string, number>([...mod.ports, ...mod.wires].map((s) => [s.name, s.width]));
  const widthOf = (name: string) => widths.get(name);
  return render('rtl/_structural_module.sv.hbs', {
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
  });
}
