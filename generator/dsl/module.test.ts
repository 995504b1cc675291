import { describe, expect, it } from 'vitest';
import { renderStructural } from '../emit/verilog.ts';
import { InternalError } from '../errors.ts';
import { ElaborationError, ModuleBuilder, and, bit, cat, eq, lit, mux, not, or, pick, raw, ref, slice, type ModuleInterface } from './module.ts';

const adder: ModuleInterface = {
  name: 'adder',
  ports: [
    { name: 'a_i', dir: 'input', width: 8 },
    { name: 'b_i', dir: 'input', width: 8 },
    { name: 'sum_o', dir: 'output', width: 9 },
  ],
};

function problems(build: (m: ModuleBuilder) => void): string[] {
  const m = new ModuleBuilder('dut');
  build(m);
  try {
    m.build();
  } catch (err) {
    if (err instanceof ElaborationError) return err.problems;
    throw err;
  }
  return [];
}

describe('elaboration DSL', () => {
  it('builds and renders a correct module', () => {
    const m = new ModuleBuilder('dut', 'two adders');
    m.input('x_i', 8);
    m.input('y_i', 8);
    m.output('s_o', 10);
    m.wire('s0', 9);
    m.instance(adder, 'u_add0', { a_i: ref('x_i'), b_i: ref('y_i'), sum_o: ref('s0') });
    m.assign(ref('s_o'), raw('{1\'b0, s0}', 10, [ref('s0')]));
    const mod = m.build();
    const text = renderStructural(mod, { version: '0', source: 'test', hash: 'h', command: 'c' });
    expect(text).toContain('module dut (');
    expect(text).toContain('  adder u_add0 (');
    expect(text).toContain('.sum_o (s0)');
    expect(text).toContain("assign s_o = {1'b0, s0};");
    expect(text).toContain('`default_nettype none');
  });

  it('reports a width mismatch on a port', () => {
    expect(problems((m) => {
      m.input('x_i', 7);
      m.input('y_i', 8);
      m.output('s_o', 9);
      m.instance(adder, 'u_add', { a_i: ref('x_i'), b_i: ref('y_i'), sum_o: ref('s_o') });
    })).toEqual(['instance u_add (adder) port a_i: width mismatch, port is 8 bits, connection is 7 bits']);
  });

  it('reports unknown and unconnected ports', () => {
    const p = problems((m) => {
      m.input('x_i', 8);
      m.output('s_o', 9);
      m.instance(adder, 'u_add', { a_i: ref('x_i'), c_i: ref('x_i'), sum_o: ref('s_o') });
    });
    expect(p).toContain('instance u_add: adder has no port "c_i"');
    expect(p).toContain('instance u_add (adder): input port b_i is not connected');
  });

  it('reports undriven and multiply driven bits', () => {
    const p = problems((m) => {
      m.input('x_i', 8);
      m.output('s_o', 9);
      m.wire('w', 9);
      m.instance(adder, 'u_a', { a_i: ref('x_i'), b_i: ref('x_i'), sum_o: ref('s_o') });
      m.assign(slice('s_o', 0, 4), slice('w', 0, 4));
    });
    expect(p).toContain('signal s_o bits [3:0] are driven more than once: by assign #1 (to s_o[3:0]) and by instance u_a (adder) port sum_o');
    expect(p.filter((x) => x.startsWith('signal s_o'))).toHaveLength(1);
    expect(p).toContain('signal w: bits [3:0] are used but never driven');
    expect(p).toContain('signal w: bits [8:4] are never used');
  });

  it('rejects illegal and reserved names, and unknown signals', () => {
    const p = problems((m) => {
      m.input('module', 1);
      m.output('2fast', 1);
      m.assign(ref('2fast'), ref('nope'));
    });
    expect(p).toContain('port module: name "module" is a reserved Verilog/SystemVerilog keyword');
    expect(p).toContain('port 2fast: name "2fast" is not a Verilog identifier (letters, digits, _; not starting with a digit)');
    expect(p).toContain('assign #1 (to 2fast): unknown signal "nope"');
  });

  it('rejects driving an input, constants that do not fit and out-of-range slices', () => {
    const p = problems((m) => {
      m.input('x_i', 4);
      m.output('y_o', 4);
      m.assign(ref('x_i'), lit(1, 4));
      m.assign(ref('y_o'), cat(lit(9, 3), slice('x_i', 3, 2)));
    });
    expect(p).toContain('assign #1 (to x_i): drives module input x_i');
    expect(p).toContain('assign #2 (to y_o): constant 9 does not fit in 3 bits');
    expect(p).toContain('assign #2 (to y_o): bits [4:3] out of range for x_i[3:0]');
  });

  it('accepts signals left unread only when declared unused with a reason, and renders the sink', () => {
    const build = (m: ModuleBuilder) => {
      m.input('x_i', 8);
      m.output('y_o', 4);
      m.assign(ref('y_o'), slice('x_i', 0, 4));
    };
    expect(problems(build)).toEqual(['input x_i: bits [7:4] are never used']);
    expect(problems((m) => {
      build(m);
      m.unused('x_high', 'the top half is for a wider variant', slice('x_i', 4, 4));
    })).toEqual([]);
    expect(problems((m) => {
      build(m);
      m.unused('x_high', ' ', slice('x_i', 4, 4));
    })).toEqual(['unused x_high: give the reason the signals are not read']);
    const m = new ModuleBuilder('dut');
    build(m);
    m.unused('x_high', 'the top half is for a wider variant', slice('x_i', 4, 4));
    const text = renderStructural(m.build(), { version: '0', source: 'test', hash: 'h', command: 'c' });
    expect(text).toContain('  // the top half is for a wider variant\n  wire unused_x_high = ^{x_i[7:4]};');
  });

  it('checks and renders glue operators', () => {
    const build = (m: ModuleBuilder) => {
      m.input('sel_i');
      m.input('a_i', 4);
      m.input('b_i', 4);
      m.output('y_o', 4);
      m.output('hit_o');
      m.assign(ref('y_o'), mux(ref('sel_i'), and(ref('a_i'), not(ref('b_i'))), or(ref('a_i'), ref('b_i'))));
      m.assign(ref('hit_o'), eq(slice('a_i', 2, 2), lit(3, 2)));
    };
    expect(problems(build)).toEqual([]);
    const m = new ModuleBuilder('dut');
    build(m);
    const text = renderStructural(m.build(), { version: '0', source: 'test', hash: 'h', command: 'c' });
    expect(text).toContain('assign y_o = (sel_i ? (a_i & ~b_i) : (a_i | b_i));');
    expect(text).toContain("assign hit_o = (a_i[3:2] == 2'h3);");
    const p = problems((m) => {
      m.input('a_i', 4);
      m.input('s_i', 2);
      m.output('y_o', 4);
      m.output('z_o', 4);
      m.assign(ref('y_o'), and(ref('a_i'), ref('s_i')));
      m.assign(ref('z_o'), mux(ref('s_i'), ref('a_i'), cat(ref('s_i'), ref('s_i'))));
      m.assign(and(ref('a_i'), ref('a_i')), bit('s_i', 0));
    });
    expect(p).toContain('assign #1 (to y_o): and operands differ in width: 4, 2 bits');
    expect(p).toContain('assign #2 (to z_o): mux select must be 1 bit, got 2 bits');
    expect(p).toContain('assign #3 (to and(a_i, a_i)): an operator cannot be driven');
  });

  it('says where in the elaboration code each refused item was declared', () => {
    const m = new ModuleBuilder('dut');
    m.input('x_i', 4);
    m.output('y_o', 2);
    m.assign(ref('y_o'), ref('x_i')); // the line the error must name
    const line = Number(/:(\d+):\d+\)?\n/.exec(new Error().stack!.split('\n').slice(1, 2).join('\n') + '\n')![1]) - 1;
    let message = '';
    try {
      m.build();
    } catch (err) {
      expect(err).toBeInstanceOf(ElaborationError);
      expect(err).toBeInstanceOf(InternalError);
      message = (err as Error).message;
      expect((err as ElaborationError).problems).toEqual(['assign #1 (to y_o): width mismatch, target is 2 bits, value is 4 bits']);
    }
    expect(message).toContain(`assign #1 (to y_o): width mismatch, target is 2 bits, value is 4 bits (at generator/dsl/module.test.ts:${line})`);
  });

  it('picks an element chosen at run time, and refuses arrays that are not whole elements', () => {
    const build = (m: ModuleBuilder, arrayWidth: number) => {
      m.input('sel_i', 2);
      m.input('arr_i', arrayWidth);
      m.output('y_o', 8);
      m.assign(ref('y_o'), pick('arr_i', ref('sel_i'), 8));
    };
    expect(problems((m) => build(m, 32))).toEqual([]);
    const m = new ModuleBuilder('dut');
    build(m, 32);
    expect(renderStructural(m.build(), { version: '0', source: 'test', hash: 'h', command: 'c' })).toContain("assign y_o = arr_i[32'(sel_i) * 8 +: 8];");
    expect(problems((m) => build(m, 30))).toEqual(['assign #1 (to y_o): arr_i (30 bits) is not a whole number of 8-bit elements']);
    expect(problems((m) => {
      build(m, 32);
      m.output('z_o', 8);
      m.assign(pick('arr_i', ref('sel_i'), 8), ref('z_o'));
    })).toContain('assign #2 (to arr_i[sel_i]): a pick cannot be driven');
  });
});
