// Elaboration DSL: describe a structural Verilog module (ports, wires, assignments, instances
// with named connections) in TypeScript. build() checks the description before any text is
// written: legal and unique names, known ports, every port connected, matching widths, every
// signal bit driven exactly once, nothing declared but unused. All problems are reported at once.
import { InternalError } from '../errors.ts';
import { illegalNameReason } from './names.ts';
import { PACKAGE_ROOT } from '../paths.ts';


/** Where the elaboration code called the builder: the first stack frame outside this file. */
function callerLocation(): string | undefined {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 6;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  for (const line of stack.split('\n').slice(1)) {
    const m = /\(?(?:file:\/\/)?([^()\s]+):(\d+):\d+\)?$/.exec(line.trim());
    if (!m || /\/dsl\/module\.[jt]s$/.test(m[1])) continue;
    return `${m[1].startsWith(PACKAGE_ROOT) ? m[1].slice(PACKAGE_ROOT.length) : m[1]}:${m[2]}`;
  }
  return undefined;
}

export type Direction = 'input' | 'output';

export interface PortDef {
  name: string;
  dir: Direction;
  width: number;
  doc?: string;
  /** Declare with a range even when one bit wide (the body indexes it, e.g. one bit per engine). */
  vector?: boolean;
}

/** What an instance is checked against: a module's name and ports. */
export interface ModuleInterface {
  name: string;
  ports: readonly PortDef[];
  /**
   * A part of its parent's composition (a block's internal leaf or sub-array): synthesis
   * flattens it into the parent, so the reports keep the units users know (engine, compute
   * unit, loader...) and optimisation crosses the boundaries the composition added.
   */
  synthInline?: boolean;
}

export type Expr =
  | { kind: 'ref'; name: string; lsb?: number; width?: number }
  | { kind: 'const'; value: bigint; width: number }
  | { kind: 'concat'; parts: Expr[] }
  | { kind: 'raw'; text: string; width: number; reads: Expr[] }
  | { kind: 'op'; op: Operator; args: Expr[] }
  | { kind: 'pick'; array: string; index: Expr; width: number };

/**
 * The few operators glue logic between instances needs: bitwise and/or/not over equal widths,
 * equality (one bit), and a two-way multiplexer (a one-bit select, then the value when it is
 * set, then the value when it is clear).
 */
export type Operator = 'and' | 'or' | 'not' | 'eq' | 'mux';

/** The whole signal. */
export const ref = (name: string): Expr => ({ kind: 'ref', name });
/** width bits of a signal starting at lsb. */
export const slice = (name: string, lsb: number, width: number): Expr => ({ kind: 'ref', name, lsb, width });
export const bit = (name: string, index: number): Expr => slice(name, index, 1);
export const lit = (value: number | bigint, width: number): Expr => ({ kind: 'const', value: BigInt(value), width });
/** Concatenation, most significant part first (as in Verilog). */
export const cat = (...parts: Expr[]): Expr => ({ kind: 'concat', parts });
/** A Verilog expression the DSL does not model; its width and the signals it reads are declared. */
export const raw = (text: string, width: number, reads: Expr[]): Expr => ({ kind: 'raw', text, width, reads });
export const and = (...args: Expr[]): Expr => ({ kind: 'op', op: 'and', args });
export const or = (...args: Expr[]): Expr => ({ kind: 'op', op: 'or', args });
export const not = (a: Expr): Expr => ({ kind: 'op', op: 'not', args: [a] });
export const eq = (a: Expr, b: Expr): Expr => ({ kind: 'op', op: 'eq', args: [a, b] });
/** Element `index` (a signal, chosen at run time) of a signal packed as elements of `width` bits, element 0 lowest. */
export const pick = (array: string, index: Expr, width: number): Expr => ({ kind: 'pick', array, index, width });
/** sel ? whenSet : whenClear */
export const mux = (sel: Expr, whenSet: Expr, whenClear: Expr): Expr => ({ kind: 'op', op: 'mux', args: [sel, whenSet, whenClear] });

export interface WireDef {
  name: string;
  width: number;
  doc?: string;
}

export interface InstanceDef {
  module: ModuleInterface;
  name: string;
  connections: Record<string, Expr>;
}

export interface AssignDef {
  target: Expr;
  value: Expr;
}

/** Signals deliberately left unread, with the reason (rendered as lowRISC's `unused_*` wire). */
export interface UnusedDef {
  name: string;
  reason: string;
  signals: Expr[];
}

/** A checked module, ready to render. */
export interface StructuralModule extends ModuleInterface {
  doc: string;
  wires: readonly WireDef[];
  assigns: readonly AssignDef[];
  instances: readonly InstanceDef[];
  unused: readonly UnusedDef[];
}

/** A module description the DSL refuses: a bug in the elaboration code, never in user input. */
export class ElaborationError extends InternalError {
  /** The problems, without source locations. */
  readonly problems: string[];
  constructor(moduleName: string, problems: string[], located: string[] = problems) {
    super(`module ${moduleName}: ${problems.length} problem(s)\n  ${located.join('\n  ')}`);
    this.name = 'ElaborationError';
    this.problems = problems;
  }
}

export class ModuleBuilder {
  private readonly ports: PortDef[] = [];
  private readonly wires: WireDef[] = [];
  private readonly assigns: AssignDef[] = [];
  private readonly instances: InstanceDef[] = [];
  private readonly unusedSinks: UnusedDef[] = [];
  /** Source locations of the calls that declared each item ("assign #3", "instance u_x", "signal x"). */
  private readonly locations = new Map<string, string>();

  constructor(
    readonly name: string,
    readonly doc = '',
  ) {}

  private locate(key: string): void {
    const at = callerLocation();
    if (at && !this.locations.has(key)) this.locations.set(key, at);
  }

  input(name: string, width = 1, doc?: string): Expr {
    this.locate(`signal ${name}`);
    this.ports.push({ name, dir: 'input', width, doc });
    return ref(name);
  }

  output(name: string, width = 1, doc?: string): Expr {
    this.locate(`signal ${name}`);
    this.ports.push({ name, dir: 'output', width, doc });
    return ref(name);
  }

  /** Ports declared elsewhere (a shared bundle such as an AXI4 read port); returns each as an Expr by name. */
  addPorts(defs: readonly PortDef[]): Record<string, Expr> {
    const out: Record<string, Expr> = {};
    for (const d of defs) {
      this.locate(`signal ${d.name}`);
      this.ports.push({ ...d });
      out[d.name] = ref(d.name);
    }
    return out;
  }

  wire(name: string, width = 1, doc?: string): Expr {
    this.locate(`signal ${name}`);
    this.wires.push({ name, width, doc });
    return ref(name);
  }

  assign(target: Expr, value: Expr): void {
    this.locate(`assign #${this.assigns.length + 1}`);
    this.assigns.push({ target, value });
  }

  instance(module: ModuleInterface, name: string, connections: Record<string, Expr>): void {
    this.locate(`instance ${name}`);
    this.instances.push({ module, name, connections });
  }

  /** Declares signals that are deliberately never read (the check otherwise refuses them). */
  unused(name: string, reason: string, ...signals: Expr[]): void {
    this.locate(`unused ${name}`);
    this.unusedSinks.push({ name, reason, signals });
  }

  /** A problem with the source location of the item it names, when known. */
  private withLocation(problem: string): string {
    const m = /^(assign #\d+|instance \S+|unused \S+|(?:signal|input|port|wire) \S+)/.exec(problem);
    if (!m) return problem;
    const key = m[1].replace(/^(?:input|port|wire) /, 'signal ').replace(/:$/, '');
    const at = this.locations.get(key);
    return at ? `${problem} (at ${at})` : problem;
  }

  build(): StructuralModule {
    const problems = new Checker(this.name, this.ports, this.wires, this.assigns, this.instances, this.unusedSinks).run();
    if (problems.length > 0) throw new ElaborationError(this.name, problems, problems.map((p) => this.withLocation(p)));
    return {
      name: this.name,
      doc: this.doc,
      ports: [...this.ports],
      wires: [...this.wires],
      assigns: [...this.assigns],
      instances: [...this.instances],
      unused: [...this.unusedSinks],
    };
  }
}

export function exprWidth(e: Expr, widthOf: (name: string) => number | undefined): number | undefined {
  switch (e.kind) {
    case 'ref':
      return e.width ?? widthOf(e.name);
    case 'const':
      return e.width;
    case 'raw':
      return e.width;
    case 'concat': {
      let total = 0;
      for (const p of e.parts) {
        const w = exprWidth(p, widthOf);
        if (w === undefined) return undefined;
        total += w;
      }
      return total;
    }
    case 'pick':
      return e.width;
    case 'op':
      if (e.op === 'eq') return 1;
      return exprWidth(e.op === 'mux' ? e.args[1] : e.args[0], widthOf);
  }
}

/** Why an operator's operands do not fit it, or undefined when they do. */
function operatorProblem(e: Extract<Expr, { kind: 'op' }>, widthOf: (name: string) => number | undefined): string | undefined {
  const widths = e.args.map((a) => exprWidth(a, widthOf));
  if (widths.some((w) => w === undefined)) return undefined;
  const arity = { and: [2, Infinity], or: [2, Infinity], not: [1, 1], eq: [2, 2], mux: [3, 3] }[e.op];
  if (e.args.length < arity[0] || e.args.length > arity[1]) return `${e.op} takes ${arity[0]}${arity[1] === Infinity ? ' or more' : ''} operand(s), got ${e.args.length}`;
  if (e.op === 'mux') {
    if (widths[0] !== 1) return `mux select must be 1 bit, got ${widths[0]} bits`;
    if (widths[1] !== widths[2]) return `mux values differ in width: ${widths[1]} and ${widths[2]} bits`;
    return undefined;
  }
  if (new Set(widths).size > 1) return `${e.op} operands differ in width: ${widths.join(', ')} bits`;
  return undefined;
}

/** One driver or reader of a range of bits of a signal. */
interface BitUse {
  signal: string;
  lsb: number;
  width: number;
  by: string;
}

class Checker {
  private readonly problems: string[] = [];
  private readonly widths = new Map<string, number>();
  private readonly kinds = new Map<string, 'input' | 'output' | 'wire'>();
  private readonly drivers: BitUse[] = [];
  private readonly reads: BitUse[] = [];

  constructor(
    private readonly moduleName: string,
    private readonly ports: PortDef[],
    private readonly wires: WireDef[],
    private readonly assigns: AssignDef[],
    private readonly instances: InstanceDef[],
    private readonly unusedSinks: UnusedDef[] = [],
  ) {}

  run(): string[] {
    this.checkName('module', this.moduleName);
    for (const p of this.ports) this.declare(p.name, p.dir, p.width, `port ${p.name}`);
    for (const w of this.wires) this.declare(w.name, 'wire', w.width, `wire ${w.name}`);
    const instanceNames = new Set<string>();
    for (const inst of this.instances) {
      this.checkName(`instance ${inst.name}`, inst.name);
      if (instanceNames.has(inst.name) || this.kinds.has(inst.name)) this.problems.push(`instance ${inst.name}: name already used`);
      instanceNames.add(inst.name);
    }
    // Input ports are driven from outside.
    for (const p of this.ports) {
      if (p.dir === 'input') this.drivers.push({ signal: p.name, lsb: 0, width: p.width, by: 'the module input' });
    }
    // Output ports are read from outside.
    for (const p of this.ports) {
      if (p.dir === 'output') this.reads.push({ signal: p.name, lsb: 0, width: p.width, by: 'the module output' });
    }
    this.assigns.forEach((a, i) => this.checkAssign(a, i));
    for (const inst of this.instances) this.checkInstance(inst);
    for (const u of this.unusedSinks) {
      this.checkName(`unused ${u.name}`, `unused_${u.name}`);
      if (!u.reason.trim()) this.problems.push(`unused ${u.name}: give the reason the signals are not read`);
      for (const e of u.signals) this.visit(e, `unused ${u.name}`, 'read');
    }
    this.checkDrivers();
    return this.problems;
  }

  private checkName(what: string, name: string): void {
    const reason = illegalNameReason(name);
    if (reason) this.problems.push(`${what}: name "${name}" is ${reason}`);
  }

  private declare(name: string, kind: 'input' | 'output' | 'wire', width: number, what: string): void {
    this.checkName(what, name);
    if (this.kinds.has(name)) {
      this.problems.push(`${what}: name already declared`);
      return;
    }
    if (!Number.isInteger(width) || width < 1) this.problems.push(`${what}: width must be a positive integer, got ${width}`);
    this.kinds.set(name, kind);
    this.widths.set(name, width);
  }

  private widthOf = (name: string): number | undefined => this.widths.get(name);

  /** Validates every signal an expression mentions; records the bits it reads or drives. */
  private visit(e: Expr, where: string, mode: 'read' | 'drive'): void {
    switch (e.kind) {
      case 'const':
        if (mode === 'drive') this.problems.push(`${where}: a constant cannot be driven`);
        if (e.value < 0n || e.value >= 1n << BigInt(e.width)) this.problems.push(`${where}: constant ${e.value} does not fit in ${e.width} bits`);
        return;
      case 'raw':
        if (mode === 'drive') this.problems.push(`${where}: a raw expression cannot be driven`);
        for (const r of e.reads) this.visit(r, where, 'read');
        return;
      case 'concat':
        for (const p of e.parts) this.visit(p, where, mode);
        return;
      case 'pick': {
        if (mode === 'drive') this.problems.push(`${where}: a pick cannot be driven`);
        const full = this.widths.get(e.array);
        if (full !== undefined && (e.width < 1 || full % e.width !== 0)) this.problems.push(`${where}: ${e.array} (${full} bits) is not a whole number of ${e.width}-bit elements`);
        this.visit(ref(e.array), where, 'read');
        this.visit(e.index, where, 'read');
        return;
      }
      case 'op': {
        if (mode === 'drive') this.problems.push(`${where}: an operator cannot be driven`);
        const problem = operatorProblem(e, this.widthOf);
        if (problem) this.problems.push(`${where}: ${problem}`);
        for (const a of e.args) this.visit(a, where, 'read');
        return;
      }
      case 'ref': {
        const full = this.widths.get(e.name);
        if (full === undefined) {
          this.problems.push(`${where}: unknown signal "${e.name}"`);
          return;
        }
        const lsb = e.lsb ?? 0;
        const width = e.width ?? full;
        if (lsb < 0 || width < 1 || lsb + width > full) {
          this.problems.push(`${where}: bits [${lsb + width - 1}:${lsb}] out of range for ${e.name}[${full - 1}:0]`);
          return;
        }
        if (mode === 'drive' && this.kinds.get(e.name) === 'input') {
          this.problems.push(`${where}: drives module input ${e.name}`);
          return;
        }
        (mode === 'read' ? this.reads : this.drivers).push({ signal: e.name, lsb, width, by: where });
      }
    }
  }

  private checkAssign(a: AssignDef, index: number): void {
    const where = `assign #${index + 1} (to ${describe(a.target)})`;
    this.visit(a.target, where, 'drive');
    this.visit(a.value, where, 'read');
    const tw = exprWidth(a.target, this.widthOf);
    const vw = exprWidth(a.value, this.widthOf);
    if (tw !== undefined && vw !== undefined && tw !== vw) {
      this.problems.push(`${where}: width mismatch, target is ${tw} bits, value is ${vw} bits`);
    }
  }

  private checkInstance(inst: InstanceDef): void {
    const byName = new Map(inst.module.ports.map((p) => [p.name, p]));
    for (const [portName, expr] of Object.entries(inst.connections)) {
      const port = byName.get(portName);
      const where = `instance ${inst.name} (${inst.module.name}) port ${portName}`;
      if (!port) {
        this.problems.push(`instance ${inst.name}: ${inst.module.name} has no port "${portName}"`);
        continue;
      }
      this.visit(expr, where, port.dir === 'output' ? 'drive' : 'read');
      const w = exprWidth(expr, this.widthOf);
      if (w !== undefined && w !== port.width) {
        this.problems.push(`${where}: width mismatch, port is ${port.width} bits, connection is ${w} bits`);
      }
    }
    for (const port of inst.module.ports) {
      if (!(port.name in inst.connections)) {
        this.problems.push(`instance ${inst.name} (${inst.module.name}): ${port.dir} port ${port.name} is not connected`);
      }
    }
  }

  private checkDrivers(): void {
    for (const [name, width] of this.widths) {
      const driven: (string | undefined)[] = new Array(width).fill(undefined);
      for (const d of this.drivers.filter((x) => x.signal === name)) {
        const clash = new Array<boolean>(width).fill(false);
        let other = '';
        for (let b = d.lsb; b < d.lsb + d.width; b++) {
          if (driven[b] !== undefined) {
            clash[b] = true;
            other ||= driven[b]!;
          } else {
            driven[b] = d.by;
          }
        }
        const bits = ranges(clash);
        if (bits.length > 0) this.problems.push(`signal ${name} bits ${bits.join(', ')} are driven more than once: by ${other} and by ${d.by}`);
      }
      const read = new Array<boolean>(width).fill(false);
      for (const r of this.reads.filter((x) => x.signal === name)) {
        for (let b = r.lsb; b < r.lsb + r.width; b++) read[b] = true;
      }
      const undrivenRead = ranges(read.map((isRead, b) => isRead && driven[b] === undefined));
      if (undrivenRead.length > 0) this.problems.push(`signal ${name}: bits ${undrivenRead.join(', ')} are used but never driven`);
      const unread = ranges(read.map((isRead) => !isRead));
      if (unread.length > 0) {
        const kind = this.kinds.get(name);
        this.problems.push(`${kind === 'input' ? 'input' : 'signal'} ${name}: bits ${unread.join(', ')} are never used`);
      }
    }
  }
}

function describe(e: Expr): string {
  switch (e.kind) {
    case 'ref':
      return e.width === undefined ? e.name : `${e.name}[${(e.lsb ?? 0) + e.width - 1}:${e.lsb ?? 0}]`;
    case 'const':
      return `${e.width}'d${e.value}`;
    case 'raw':
      return e.text;
    case 'concat':
      return `{${e.parts.map(describe).join(', ')}}`;
    case 'op':
      return `${e.op}(${e.args.map(describe).join(', ')})`;
    case 'pick':
      return `${e.array}[${describe(e.index)}]`;
  }
}

/** Runs of true values as "[hi:lo]" strings. */
function ranges(flags: boolean[]): string[] {
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i <= flags.length; i++) {
    if (i < flags.length && flags[i]) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      out.push(i - 1 === start ? `[${start}]` : `[${i - 1}:${start}]`);
      start = -1;
    }
  }
  return out;
}

/** Verilog text of an expression, given the declared width of each signal. */
export function renderExpr(e: Expr, widthOf: (name: string) => number | undefined): string {
  switch (e.kind) {
    case 'ref': {
      if (e.width === undefined) return e.name;
      const full = widthOf(e.name);
      const lsb = e.lsb ?? 0;
      if (full === e.width && lsb === 0) return e.name;
      return e.width === 1 ? `${e.name}[${lsb}]` : `${e.name}[${lsb + e.width - 1}:${lsb}]`;
    }
    case 'const':
      return `${e.width}'h${e.value.toString(16)}`;
    case 'raw':
      return e.text;
    case 'concat':
      return `{${e.parts.map((p) => renderExpr(p, widthOf)).join(', ')}}`;
    case 'pick':
      return `${e.array}[32'(${renderExpr(e.index, widthOf)}) * ${e.width} +: ${e.width}]`;
    case 'op': {
      const [a, b, c] = e.args.map((x) => renderExpr(x, widthOf));
      switch (e.op) {
        case 'and':
          return `(${e.args.map((x) => renderExpr(x, widthOf)).join(' & ')})`;
        case 'or':
          return `(${e.args.map((x) => renderExpr(x, widthOf)).join(' | ')})`;
        case 'not':
          return `~${a}`;
        case 'eq':
          return `(${a} == ${b})`;
        case 'mux':
          return `(${a} ? ${b} : ${c})`;
      }
    }
  }
}
