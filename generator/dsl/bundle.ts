// Interfaces as bundles (after Amaranth's wiring.Signature): a named set of signals, each flowing
// from the bundle's master to its slave or, flipped, back. One definition gives either side's
// ports (several bundles packed side by side, element 0 lowest), and the connections of one
// element or a run of elements of packed wires, so an interface is declared once and used
// everywhere.
import { slice, type Expr, type PortDef } from './module.ts';

export interface BundleSignal {
  name: string;
  width: number;
  /** Flows from the slave to the master (a ready, a response). */
  flip?: boolean;
}

export type Side = 'master' | 'slave';

export class Bundle {
  constructor(
    readonly name: string,
    readonly signals: readonly BundleSignal[],
  ) {}

  /** The direction of a signal's port on one side: the master drives the unflipped signals. */
  direction(signal: BundleSignal, side: Side): PortDef['dir'] {
    return (side === 'master') !== !!signal.flip ? 'output' : 'input';
  }

  /** A signal's port name on one side: prefix, name and lowRISC's _i or _o. */
  portName(signal: BundleSignal, side: Side, prefix = ''): string {
    return `${prefix}${signal.name}_${this.direction(signal, side) === 'output' ? 'o' : 'i'}`;
  }

  /** One side's ports: `count` bundles packed in each (element 0 lowest); `vector` declares a
   * range even for one bit (a body that indexes the elements). */
  ports(side: Side, opts: { prefix?: string; count?: number; vector?: boolean } = {}): PortDef[] {
    const { prefix = '', count = 1, vector = false } = opts;
    return this.signals.map((s) => ({ name: this.portName(s, side, prefix), dir: this.direction(s, side), width: s.width * count, ...(vector ? { vector } : {}) }));
  }

  /** An instance's connections: each of its `side` ports to the expression `to` gives. */
  connect(side: Side, to: (signal: BundleSignal) => Expr, prefix = ''): Record<string, Expr> {
    return Object.fromEntries(this.signals.map((s) => [this.portName(s, side, prefix), to(s)]));
  }

  /** Connections of elements [first, first + count) of packed wires named by `wire`. */
  elements(side: Side, wire: (signal: BundleSignal) => string, first: number, count = 1, prefix = ''): Record<string, Expr> {
    return this.connect(side, (s) => slice(wire(s), first * s.width, count * s.width), prefix);
  }
}
