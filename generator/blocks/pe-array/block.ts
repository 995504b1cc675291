// The PE array, composed in the DSL: a TM x TN grid of multipliers (S1) and, per output lane, a
// row that reduces its TN products (S2) and adds them to the pixel's accumulator (S3). The
// multiplier is chosen here, at elaboration: an inferred one that synthesis maps to DSP blocks,
// or radix-4 Booth in logic for FPGAs without them.
import { inp, out, type LeafModule } from '../../arch/leaves.ts';
import { clog2, type HwParams, type MultiplierKind } from '../../arch/params.ts';
import { ModuleBuilder, slice, type StructuralModule } from '../../dsl/module.ts';
import { siblingTemplate } from '../../emit/templates.ts';

/**
 * The multiplier variants, by config pe.multiplier: a new variant is an entry here, its template
 * in this folder, and its name in the config schema's enum. onDsp: synthesis should put every
 * product on a DSP block (the xc7 gate checks it).
 */
export const MULTIPLIERS: Record<MultiplierKind, { name: string; doc: string; template: string; onDsp: boolean }> = {
  inferred: { name: 'sf_mul_inferred', doc: 'Signed multiplier left to synthesis (a DSP block where there is one), product registered.', template: 'sf_mul_inferred.sv.hbs', onDsp: true },
  booth: { name: 'sf_mul_booth', doc: 'Signed radix-4 Booth multiplier in logic, product registered.', template: 'sf_mul_booth.sv.hbs', onDsp: false },
};

function multiplier(p: HwParams, kind: MultiplierKind): LeafModule {
  const m = MULTIPLIERS[kind];
  return {
    name: m.name,
    synthInline: true,
    doc: m.doc,
    template: siblingTemplate(import.meta.url, m.template),
    localparams: [
      ['DATA_BITS', p.dataBits],
      ['PROD_BITS', p.prodBits],
    ],
    ports: [inp('clk_i'), inp('x_i', p.dataBits), inp('w_i', p.dataBits), out('product_o', p.prodBits)],
  };
}

function peRow(p: HwParams): LeafModule {
  return {
    name: 'sf_pe_row',
    synthInline: true,
    doc: 'One output lane of the PE array: reduction of its products and accumulation.',
    template: siblingTemplate(import.meta.url, 'sf_pe_row.sv.hbs'),
    localparams: [
      ['TN', p.tn],
      ['PROD_BITS', p.prodBits],
      ['SUM_BITS', p.prodBits + clog2(p.tn)],
    ],
    ports: [inp('clk_i'), inp('products_i', p.tn * p.prodBits), inp('acc_zero_i'), inp('acc_i', 32), out('acc_o', 32)],
  };
}

export interface PeArrayBlock {
  leaves: LeafModule[];
  array: StructuralModule;
}

export function buildPeArray(p: HwParams): PeArrayBlock {
  const mul = multiplier(p, p.multiplier);
  const row = peRow(p);
  const { tm, tn, dataBits: db, prodBits: pb } = p;
  const a = new ModuleBuilder('sf_pe_array', `${tm} x ${tn} PE array: multipliers, lane reductions and accumulation.`);
  const clk = a.input('clk_i');
  a.input('x_i', tn * db, 'input vector: TN channels of one pixel (S1)');
  a.input('w_i', tm * tn * db, 'weight block: lane m\'s TN weights at [m * TN * DATA_BITS]');
  const zero = a.input('acc_zero_i', 1, 'S3: start the sums from zero');
  a.input('acc_i', tm * 32, 'S3: the pixel\'s accumulators');
  a.output('acc_o', tm * 32, 'S3: the updated accumulators');
  a.wire('products', tm * tn * pb, 'S1 products, lane by lane');
  for (let m = 0; m < tm; m++) {
    for (let n = 0; n < tn; n++) {
      a.instance(mul, `u_mul_m${m}_n${n}`, {
        clk_i: clk,
        x_i: slice('x_i', n * db, db),
        w_i: slice('w_i', (m * tn + n) * db, db),
        product_o: slice('products', (m * tn + n) * pb, pb),
      });
    }
    a.instance(row, `u_row${m}`, {
      clk_i: clk,
      products_i: slice('products', m * tn * pb, tn * pb),
      acc_zero_i: zero,
      acc_i: slice('acc_i', m * 32, 32),
      acc_o: slice('acc_o', m * 32, 32),
    });
  }
  return { leaves: [mul, row], array: { ...a.build(), synthInline: true } };
}
