// The compute unit, composed in the DSL: its control (the loop nest over kernel positions and
// tile pixels, and the pipeline's valid, mask and accumulator-address stages) drives the PE
// array, which it feeds with the input vector (masked to zero in the padding) and weight block.
import { inp, out, type LeafModule } from '../../arch/leaves.ts';
import type { HwParams } from '../../arch/params.ts';
import { ModuleBuilder, lit, mux, type StructuralModule } from '../../dsl/module.ts';
import { siblingTemplate } from '../../emit/templates.ts';
import { buildPeArray } from '../pe-array/block.ts';

/** The compute unit's ports (the engine connects these). */
function computePorts(p: HwParams) {
  return [
    inp('clk_i'),
    inp('rst_ni'),
    inp('start_i'),
    inp('slot_i'),
    inp('in_base_i', p.inAddrBits),
    inp('first_i'),
    inp('kernel_w_i', 8),
    inp('conv_stride_i', 8),
    inp('kk_i', p.loopBits),
    inp('tile_cols_i', p.loopBits),
    inp('pixels_i', p.loopBits),
    inp('in_tile_cols_i', p.loopBits),
    inp('in_row_step_i', p.loopBits),
    inp('load_row_first_i', p.loopBits),
    inp('load_rows_i', p.loopBits),
    inp('load_col_first_i', p.loopBits),
    inp('load_cols_i', p.loopBits),
    out('in_re_o'),
    out('in_raddr_o', p.inAddrBits),
    inp('in_rdata_i', p.busBits),
    out('w_re_o'),
    out('w_raddr_o', p.wAddrBits),
    inp('w_rdata_i', p.tm * p.busBits),
    out('acc_re_o'),
    out('acc_raddr_o', p.accAddrBits),
    inp('acc_rdata_i', p.tm * 32),
    out('acc_we_o'),
    out('acc_waddr_o', p.accAddrBits),
    out('acc_wdata_o', p.tm * 32),
    out('busy_o'),
  ];
}

/** Ports the control shares with the compute unit (all but the data it never touches). */
const DATA_PORTS = new Set(['in_rdata_i', 'w_rdata_i', 'acc_rdata_i', 'acc_wdata_o']);

function computeControl(p: HwParams): LeafModule {
  return {
    name: 'sf_compute_ctrl',
    synthInline: true,
    doc: 'Compute control: loop nest over kernel positions and tile pixels, pipeline stages.',
    template: siblingTemplate(import.meta.url, 'sf_compute_ctrl.sv.hbs'),
    localparams: [
      ['MIN_SLOTS', p.minSlots],
      ['LOOP_W', p.loopBits],
      ['IN_AW', p.inAddrBits],
      ['W_AW', p.wAddrBits],
      ['ACC_AW', p.accAddrBits],
    ],
    ports: [...computePorts(p).filter((x) => !DATA_PORTS.has(x.name)), out('x_mask_o'), out('acc_zero_o')],
  };
}

export interface ComputeBlock {
  leaves: LeafModule[];
  /** The PE array and the compute unit, children first. */
  modules: StructuralModule[];
  compute: StructuralModule;
}

export function buildCompute(p: HwParams): ComputeBlock {
  const ctrl = computeControl(p);
  const pe = buildPeArray(p);
  const c = new ModuleBuilder('sf_compute', `${p.tm} x ${p.tn} PE array with its loop-nest address generator and accumulator update.`);
  const port = c.addPorts(computePorts(p));
  const xMask = c.wire('x_mask', 1, 'S1: the input vector is inside the tile (not padding)');
  const accZero = c.wire('acc_zero');
  c.instance(ctrl, 'u_ctrl', {
    ...Object.fromEntries(ctrl.ports.filter((x) => x.name in port).map((x) => [x.name, port[x.name]])),
    x_mask_o: xMask,
    acc_zero_o: accZero,
  });
  c.instance(pe.array, 'u_pe_array', {
    clk_i: port.clk_i,
    x_i: mux(xMask, port.in_rdata_i, lit(0, p.busBits)),
    w_i: port.w_rdata_i,
    acc_zero_i: accZero,
    acc_i: port.acc_rdata_i,
    acc_o: port.acc_wdata_o,
  });
  return { leaves: [ctrl, ...pe.leaves], modules: [pe.array], compute: c.build() };
}
