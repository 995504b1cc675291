// The writer (sf_writer) at block level, on both simulators (tb/sf_writer_tb.v): jobs as the engine
// starts them, over accumulators loaded into the testbench's accumulator buffer, against the memory
// image the golden model gives (postProcess and maxPool of generator/golden/golden.ts, laid out as
// generator/compiler/layout.ts lays activations out). Every byte written is compared, every
// expected beat must be written exactly once and nothing else; the bursts must be the longest the
// AXI rules and maxBurst allow, within one output row each.
//
// Three designs: tiny (one post-processing phase: postLanes = tn), micro (postLanes 1: tn phases
// a vector, 20-bit addresses) and a 16-bit one of four output c-blocks per m-block and two phases.
// Cases: rounding ties half up and half to even (a one shifted out at every bit position), shift 0
// and 31, saturation at both ends (8 and 16 bits, and 8 bits in 16-bit lanes), the INT32 extremes of accumulator + bias, ReLU on and off, pooling 1 x 1,
// 2 x 2 / 2 and 3 x 3 / 2 with a ragged edge, strided output planes and rows, the fc layout, rows
// split at maxBurst and at 4 KiB, jobs back to back, back-pressure on every channel, a bus error,
// and an m-block of fewer c-blocks than TM / TN (a layer's last).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHAN_BIAS_MAX, CHAN_BIAS_MIN, packChanShiftBias } from '../../arch/bias-word.ts';
import type { HwParams } from '../../arch/params.ts';
import { actLayout, MemImage } from '../../compiler/layout.ts';
import { presets } from '../../config/presets.ts';
import { loadConfig, resolveConfig, type ResolvedConfig } from '../../config/resolve.ts';
import { generateFiles } from '../../emit/generate.ts';
import { maxPool, postProcess } from '../../golden/golden.ts';
import type { Rounding } from '../../layers/layer-type.ts';
import type { Bits } from '../../model/model.ts';
import { Rng } from '../../model/random.ts';
import { buildBlockSim } from '../../tools/block-sim.ts';
import { TB_DIR } from '../../tools/sim.ts';

const scratch = mkdtempSync(join(tmpdir(), 'sf-writer-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
/** What accumulator words outside the job hold: read by mistake, they show as the maximum. */
const POISON = INT32_MAX;

const CONFIGS: { name: string; cfg: ResolvedConfig }[] = [
  { name: 'tiny', cfg: loadConfig({ preset: 'tiny' }) },
  { name: 'micro', cfg: loadConfig({ preset: 'micro' }) },
  {
    name: 'wide',
    cfg: resolveConfig({ ...presets.tiny, name: 'writer_wide', dataBits: 16, pe: { tn: 4, tm: 16, postLanes: 2 } }, 'writer.test.ts'),
  },
];

/** One writer job, with its fields as the compiler would set them unless given. */
interface Job {
  /** Output c-blocks of the m-block (nj_i). Default TM / TN. */
  nj?: number;
  /** Accumulator tile (tile_cols; the rows the pool windows cover). */
  tileRows: number;
  tileCols: number;
  kernel?: number;
  stride?: number;
  shift: number;
  satBits?: Bits;
  relu?: boolean;
  /** round_even_i: half to even; default half up. */
  rounding?: Rounding;
  /** leak_i: LeakyReLU, negative sums shifted this much further; default 0. */
  leak?: number;
  /** chan_shift_i: lane m shifts by shifts(m), packed into its bias word; shift_i is then `shift`. */
  shifts?: (lane: number) => number;
  outAddr?: number;
  /** Bytes between output c-block planes and rows; default the natural layout of the pooled tile. */
  cstride?: number;
  ystride?: number;
  /** Lane m of pixel p's accumulator, and lane m's bias. */
  acc: (pixel: number, lane: number) => number;
  bias: (lane: number) => number;
  /** The job repeated: jobs one after the other, jobStep bytes apart. */
  jobs?: number;
  jobStep?: number;
  /** Memory side: percent of cycles AWREADY / WREADY is high, response delay, SLVERR burst. */
  awReady?: number;
  wReady?: number;
  bDelay?: number;
  errBurst?: number;
  seed?: number;
}

interface WriterRun {
  /** Cycles of each job from its start until busy_o fell, and error_o then. */
  cycles: number[];
  errors: boolean[];
  /** Lane values written (the golden model's image), by beat address. */
  want: Map<number, number[]>;
  out: string;
}

const hex32 = (v: number) => (v >>> 0).toString(16).padStart(8, '0');
/** A TM x 32-bit buffer word, lane 0 lowest. */
const word = (lanes: number[]) => lanes.map(hex32).reverse().join('');

function lanesOf(bytes: Uint8Array, p: HwParams): number[] {
  const laneBytes = p.dataBits / 8;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: p.tn }, (_, n) => (laneBytes === 1 ? view.getInt8(n) : view.getInt16(2 * n, true)));
}

/** Pooled output size of numerics.md step 6. */
const pooled = (size: number, k: number, s: number) => Math.floor((size - k) / s) + 1;

/** The job's fields, filled in. */
function resolveJob(job: Job, p: HwParams) {
  const nj = job.nj ?? p.tm / p.tn;
  const k = job.kernel ?? 1;
  const s = job.stride ?? 1;
  const pr = pooled(job.tileRows, k, s);
  const pc = pooled(job.tileCols, k, s);
  const natural = actLayout(0, 1, [nj * p.tn, pr, pc], p.tn, p.busBytes);
  return {
    nj, k, s, pr, pc,
    outAddr: job.outAddr ?? 0,
    cstride: job.cstride ?? natural.cstride,
    ystride: job.ystride ?? natural.ystride,
    satBits: job.satBits ?? (8 as Bits),
    relu: job.relu ?? false,
    rounding: job.rounding ?? ('half-up' as Rounding),
    leak: job.leak ?? 0,
    jobs: job.jobs ?? 1,
    jobStep: job.jobStep ?? 0,
  };
}

/** The memory image of the job by the golden model: beat address -> its TN lane values. */
function expectedImage(job: Job, p: HwParams): Map<number, number[]> {
  const f = resolveJob(job, p);
  const laneBytes = (p.dataBits / 8) as 1 | 2;
  const pixels = job.tileRows * job.tileCols;
  const beats = new Map<number, MemImage>();
  for (let r = 0; r < f.jobs; r++) {
    for (let j = 0; j < f.nj; j++) {
      for (let n = 0; n < p.tn; n++) {
        const lane = j * p.tn + n;
        const plane = new Int32Array(pixels);
        for (let px = 0; px < pixels; px++) plane[px] = postProcess(job.acc(px, lane), job.bias(lane), job.shifts?.(lane) ?? job.shift, f.satBits, f.relu, f.rounding, f.leak);
        const out = maxPool(plane, 1, job.tileRows, job.tileCols, f.k, f.s);
        for (let y = 0; y < f.pr; y++) {
          for (let x = 0; x < f.pc; x++) {
            const addr = f.outAddr + r * f.jobStep + j * f.cstride + y * f.ystride + x * p.busBytes;
            if (!beats.has(addr)) beats.set(addr, new MemImage(p.busBytes, laneBytes));
            beats.get(addr)!.writeLane(n * laneBytes, out[y * f.pc + x]);
          }
        }
      }
    }
  }
  return new Map([...beats].map(([addr, mem]) => [addr, lanesOf(mem.bytes, p)]));
}

/** The bursts the job may take: each output row split at maxBurst beats and at 4 KiB. */
function expectedBursts(job: Job, p: HwParams): string[] {
  const f = resolveJob(job, p);
  const bursts: string[] = [];
  for (let r = 0; r < f.jobs; r++) {
    for (let j = 0; j < f.nj; j++) {
      for (let y = 0; y < f.pr; y++) {
        let addr = f.outAddr + r * f.jobStep + j * f.cstride + y * f.ystride;
        for (let left = f.pc; left > 0; ) {
          const beats = Math.min(left, p.maxBurst, (4096 - (addr % 4096)) / p.busBytes);
          bursts.push(`${addr.toString(16)}+${beats}`);
          addr += beats * p.busBytes;
          left -= beats;
        }
      }
    }
  }
  return bursts.sort();
}

function accFile(job: Job, p: HwParams, nj: number): string {
  const pixels = job.tileRows * job.tileCols;
  const lines: string[] = [];
  for (let px = 0; px < p.accDepth; px++) {
    lines.push(word(Array.from({ length: p.tm }, (_, m) => (px < pixels && m < nj * p.tn ? job.acc(px, m) : POISON))));
  }
  return lines.join('\n') + '\n';
}

describe.each((['icarus', 'verilator'] as const).flatMap((sim) => CONFIGS.map((c) => ({ sim, ...c }))))('the writer of $name on $sim', ({ sim, name, cfg }) => {
  const { design, files } = generateFiles(cfg);
  const p = design.params;
  const NJ = p.tm / p.tn;
  const hi = (bits: number) => 2 ** (bits - 1) - 1;
  let runSim: (plusargs: string[]) => Promise<string>;
  let runs = 0;

  beforeAll(async () => {
    const dir = join(scratch, `${sim}-${name}`);
    const modules = ['sf_writer', 'sf_fifo_wlen', 'sf_fifo_wdata', 'sf_sdp_ram_wfifo', 'sf_burst_cap'].map((m) => {
      const path = `${dir}-${m}.sv`;
      writeFileSync(path, String(files.get(`rtl/${m}.sv`)));
      return path;
    });
    const params = { AW: p.addrBits, BUS_BITS: p.busBits, TM: p.tm, ACC_AW: p.accAddrBits, LOOP_BITS: p.loopBits, MAX_BURST: p.maxBurst };
    runSim = await buildBlockSim({ sim, top: 'sf_writer_tb', sources: [join(TB_DIR, 'sf_writer_tb.v'), ...modules], params, dir });
  }, 120_000);

  /** Runs the job and checks every byte written and every burst against the golden image. */
  async function run(job: Job): Promise<WriterRun> {
    const f = resolveJob(job, p);
    if (job.tileRows * job.tileCols > p.accDepth) throw new Error(`the tile does not fit ${p.accDepth} accumulator words`);
    const base = join(scratch, `${sim}-${name}-run${runs++}`);
    writeFileSync(`${base}-acc.hex`, accFile(job, p, f.nj));
    const biasWord = (m: number) => (job.shifts ? packChanShiftBias(job.bias(m), job.shifts(m)) : job.bias(m));
    writeFileSync(`${base}-bias.hex`, word(Array.from({ length: p.tm }, (_, m) => biasWord(m))) + '\n');
    const out = await runSim([
      `+acc=${base}-acc.hex`, `+bias=${base}-bias.hex`,
      `+out_addr=${f.outAddr}`, `+nj=${f.nj}`, `+pool_rows=${f.pr}`, `+pool_cols=${f.pc}`, `+pool_kernel=${f.k}`,
      `+pool_stride=${f.s}`, `+pool_row_step=${f.s * job.tileCols}`, `+tile_cols=${job.tileCols}`,
      `+cstride=${f.cstride}`, `+ystride=${f.ystride}`, `+shift=${job.shift}`, `+sat_bits=${f.satBits}`, `+relu=${Number(f.relu)}`,
      `+round_even=${Number(f.rounding === 'half-even')}`, `+leak=${f.leak}`, `+chan_shift=${Number(job.shifts !== undefined)}`,
      `+jobs=${f.jobs}`, `+job_step=${f.jobStep}`, `+aw_ready=${job.awReady ?? 100}`, `+w_ready=${job.wReady ?? 100}`,
      `+b_delay=${job.bDelay ?? 0}`, `+err_burst=${job.errBurst ?? -1}`, `+seed=${job.seed ?? 1}`, `+timeout=100000`,
    ]);
    const problems = [...out.matchAll(/^SF_WRITER_(?:ERROR|TIMEOUT) .*$/gm)].map((m) => m[0]);
    expect(problems).toEqual([]);
    expect(out).toMatch(/^SF_WRITER_DONE errors 0$/m);

    // Every beat written: its address once, its bytes the golden image's.
    const want = expectedImage(job, p);
    const got = new Map<number, number[]>();
    const twice: string[] = [];
    const lines = [...out.matchAll(/^SF_WRITER_W .*$/gm)].map((m) => m[0]);
    for (const m of out.matchAll(/^SF_WRITER_W ([0-9a-f]+) ([0-9a-f]+) [01]$/gm)) {
      const addr = parseInt(m[1], 16);
      const data = BigInt(`0x${m[2]}`);
      if (got.has(addr)) twice.push(addr.toString(16));
      got.set(addr, lanesOf(Uint8Array.from({ length: p.busBytes }, (_, i) => Number((data >> BigInt(8 * i)) & 0xffn)), p));
    }
    expect(lines.filter((l) => !/^SF_WRITER_W [0-9a-f]+ [0-9a-f]+ [01]$/.test(l)), 'beats with unknown bits').toEqual([]);
    expect(twice, 'beats written more than once').toEqual([]);
    const unexpected = [...got.keys()].filter((a) => !want.has(a)).map((a) => a.toString(16));
    const missing = [...want.keys()].filter((a) => !got.has(a)).map((a) => a.toString(16));
    expect({ unexpected, missing }).toEqual({ unexpected: [], missing: [] });
    const wrong = [...want].filter(([a, lanes]) => got.get(a)!.join() !== lanes.join());
    // The first few differing beats, lane values got and wanted.
    const show = (rows: [number, number[]][]) => rows.slice(0, 6).map(([a, lanes]) => `${a.toString(16)}: ${lanes.join(' ')}`);
    expect(show(wrong.map(([a]) => [a, got.get(a)!])), `${wrong.length} beats differ`).toEqual(show(wrong));

    const bursts = [...out.matchAll(/^SF_WRITER_AW \d+ ([0-9a-f]+) (\d+)$/gm)].map((m) => `${parseInt(m[1], 16).toString(16)}+${Number(m[2]) + 1}`);
    expect(bursts.sort()).toEqual(expectedBursts(job, p));

    const idle = [...out.matchAll(/^SF_WRITER_IDLE (\d+) (\d+) (\d) (\d+)$/gm)];
    expect(idle.map((m) => Number(m[1]))).toEqual([...Array(f.jobs).keys()]);
    // error_o once set stays set (no clear between the jobs), and a clear drops it.
    const perJob = bursts.length / f.jobs;
    const errors = idle.map((m) => m[3] === '1');
    expect(errors).toEqual(idle.map((_, r) => job.errBurst !== undefined && job.errBurst < (r + 1) * perJob));
    expect(out).toMatch(/^SF_WRITER_CLEARED 0$/m);
    return { cycles: idle.map((m) => Number(m[2])), errors, want, out };
  }

  /** Values cycled over the pixels and lanes of a tile. */
  const cycle = (values: number[]) => (px: number, lane: number) => values[(px * p.tm + lane) % values.length];
  const rng = (seed: number) => new Rng(seed * 7919 + p.tm * 131 + p.postLanes);
  /** Uniform random accumulators of a range, drawn once (a Job's acc is called many times). */
  function randomAcc(seed: number, min: number, max: number, pixels: number) {
    const r = rng(seed);
    const values = Array.from({ length: pixels * p.tm }, () => r.int(min, max));
    return (px: number, lane: number) => values[px * p.tm + lane];
  }
  const randomBias = (seed: number, min: number, max: number) => {
    const r = rng(seed);
    const values = Array.from({ length: p.tm }, () => r.int(min, max));
    return (lane: number) => values[lane];
  };

  it('rounds half up at ties after the shift, for positive and negative values', async () => {
    for (const shift of [1, 4]) {
      const unit = 2 ** shift;
      const half = unit / 2;
      // acc + bias = k * 2^shift + r: r at the tie and one either side, k of both signs.
      const sums: number[] = [];
      for (let k = -9; k <= 9; k++) for (const r of [half - 1, half, half + 1]) sums.push(k * unit + r);
      sums.push(-half, half, -half - 1, -half + 1);
      const bias = randomBias(shift, -300, 300);
      const r = await run({ tileRows: 4, tileCols: 6, shift, acc: (px, m) => cycle(sums)(px, m) - bias(m), bias });
      // The image holds both halves rounded up: -x.5 to -x, +x.5 to x + 1.
      const values = new Set([...r.want.values()].flat());
      for (const v of [-9, -1, 0, 1, 9, 10]) expect(values.has(v)).toBe(true);
    }
  });

  /**
   * Runs values of t = acc + bias (up to 33 bits) through the writer, each in a lane whose bias
   * lets the accumulator hold it: lanes m % 3 = 0, 1, 2 have biases INT32_MIN, 0, INT32_MAX. As
   * many jobs as it takes to pass every value. Returns how many values the two modes round apart.
   */
  async function runSums(sums: number[], job: Omit<Job, 'acc' | 'bias' | 'tileRows' | 'tileCols'>): Promise<number> {
    const biases = [INT32_MIN, 0, INT32_MAX];
    const classOf = (t: number) => (t < INT32_MIN ? 0 : t > INT32_MAX ? 2 : 1);
    const byClass = [0, 1, 2].map((c) => sums.filter((t) => classOf(t) === c));
    const lanes = [0, 1, 2].map((c) => Array.from({ length: p.tm }, (_, m) => m).filter((m) => m % 3 === c));
    const rows = Math.min(8, Math.floor(p.accDepth / 8));
    const pixels = rows * 8;
    const jobs = Math.max(...byClass.map((v, c) => Math.ceil(v.length / (pixels * lanes[c].length))));
    for (let r = 0; r < jobs; r++) {
      const acc = (px: number, m: number) => {
        const c = m % 3;
        const values = byClass[c].length > 0 ? byClass[c] : [biases[c]];
        return values[(r * pixels * lanes[c].length + px * lanes[c].length + lanes[c].indexOf(m)) % values.length] - biases[c];
      };
      await run({ ...job, tileRows: rows, tileCols: 8, acc, bias: (m) => biases[m % 3] });
    }
    const f = resolveJob({ ...job, tileRows: 1, tileCols: 1, acc: () => 0, bias: () => 0 }, p);
    return sums.filter((t) => {
      const acc = t - biases[classOf(t)];
      return postProcess(acc, biases[classOf(t)], job.shift, f.satBits, f.relu, 'half-even') !== postProcess(acc, biases[classOf(t)], job.shift, f.satBits, f.relu);
    }).length;
  }

  it('rounds half to even at ties, both signs, even and odd quotients, at shifts 1 to 31', async () => {
    for (const shift of [1, 2, 5, 16, 31]) {
      const unit = 2 ** shift;
      const half = unit / 2;
      // Quotients of both signs and parities; remainders at the tie, either side of it, zero,
      // and the half plus each lower power of two (one bit shifted out, at every position).
      // At shift 31 the quotients of an int32 + int32 sum are -2..1.
      const inRange = (t: number) => t >= 2 * INT32_MIN && t <= 2 * INT32_MAX;
      const quotients = [-3, -2, -1, 0, 1, 2].filter((q) => inRange(q * unit) && inRange(q * unit + half + 1));
      const sums: number[] = [];
      for (const q of quotients) {
        for (const r of [half, half - 1, half + 1, 0, ...Array.from({ length: shift - 1 }, (_, j) => half + 2 ** j)]) sums.push(q * unit + r);
      }
      const differ = await runSums([...new Set(sums.filter(inRange))], { shift, rounding: 'half-even', satBits: p.dataBits as Bits });
      // Exactly the ties above an even quotient come out differently from half up.
      expect(differ).toBe(quotients.filter((q) => q % 2 === 0).length);
      expect(quotients.length).toBeGreaterThanOrEqual(4);
    }
  });

  it('passes values through at shift 0 when rounding half to even', async () => {
    const sums = [-130, -129, -128, -127, -3, -2, -1, 0, 1, 2, 3, 126, 127, 128, 129];
    expect(await runSums(sums, { shift: 0, rounding: 'half-even' })).toBe(0);
  });

  it('rounds half to even before it saturates and applies ReLU', async () => {
    // t / 2 at 127.5 (-> 128, saturated 127), 126.5 (-> 126), -127.5 and -128.5 (-> -128),
    // and the half to even values around zero with and without ReLU.
    // Half up differs on 253, -255, -7, -3, 1 and 5; with ReLU on 253, 1 and 5.
    const sums = [255, 253, 257, -255, -257, -253, -1, -3, -5, -7, 1, 3, 5, 0, 2, -2, 4000, -4000];
    for (const relu of [false, true]) {
      expect(await runSums(sums, { shift: 1, relu, rounding: 'half-even' })).toBe(relu ? 3 : 6);
    }
    // 16 bits in the 16-bit design: 32767.5 (-> 32767), 32766.5, -32767.5 (-> -32768, half up
    // -32767) and -32768.5.
    if (p.dataBits === 16) {
      expect(await runSums([65535, 65533, -65535, -65537, -65533], { shift: 1, satBits: 16, rounding: 'half-even' })).toBe(2);
    }
  });

  it('shifts negative sums leak bits further (LeakyReLU), in both rounding modes, before saturating', async () => {
    for (const [shift, leak] of [[0, 1], [2, 3], [4, 27]]) {
      const unit = 2 ** (shift + leak);
      // Negative ties at the leaky scale (-0.5, -1.5, -2.5 steps), values either side of them,
      // the positive side at the plain shift, and sums that saturate at both ends.
      const sums = [-unit / 2, -1.5 * unit, -2.5 * unit, -unit / 2 - 1, -unit / 2 + 1, -1, 0, 1, 3 * 2 ** shift, 2 ** shift / 2, -(2 ** 31), 2 ** 31 - 1, 500 * 2 ** shift]
        .filter((t) => Number.isInteger(t) && t >= INT32_MIN && t <= INT32_MAX);
      for (const rounding of ['half-up', 'half-even'] as const) {
        await run({ tileRows: 3, tileCols: 5, shift, leak, rounding, acc: cycle(sums), bias: () => 0 });
        // The cases are not vacuous: the leak changes most negative sums' results and no
        // positive one's (run() has checked the RTL against the golden model with the leak).
        const changed = sums.filter((t) => postProcess(t, 0, shift, 8, false, rounding, leak) !== postProcess(t, 0, shift, 8, false, rounding));
        expect(changed.length).toBeGreaterThanOrEqual(4);
        expect(changed.every((t) => t < 0)).toBe(true);
      }
    }
  });

  it('takes each channel\'s shift and a sign-extended bias from its bias word (chan_shift)', async () => {
    // Lane m's shift cycles through 0, 31 and values between, the descriptor's shift_i stays a
    // decoy (9); biases reach both ends of the narrower bias field. Sums near every lane's ties,
    // both signs, in both rounding modes and with a leak.
    const laneShifts = [0, 31, 1, 5, 12, 3, 20, 7, 2, 9, 16, 4, 25, 6, 11, 8];
    let leakNow = 0;
    // shift + leak at most 31, as the model's checks keep it.
    const shifts = (m: number) => Math.min(laneShifts[m % laneShifts.length], 31 - leakNow);
    const biases = [CHAN_BIAS_MIN, CHAN_BIAS_MAX, -1, 0, 1, -(2 ** 20) - 3, 2 ** 21 + 5, -77];
    const bias = (m: number) => biases[(m * 3) % biases.length];
    const acc = (px: number, m: number) => {
      const unit = 2 ** shifts(m);
      const k = (px % 7) - 3;
      const r = [unit / 2, unit / 2 - 1, unit / 2 + 1, 0][px % 4];
      return Math.max(INT32_MIN, Math.min(INT32_MAX, Math.floor(k * unit + r) - bias(m)));
    };
    for (const [rounding, leak, relu] of [['half-up', 0, false], ['half-even', 0, true], ['half-even', 2, false]] as const) {
      leakNow = leak;
      const r = await run({ tileRows: 4, tileCols: 7, shift: 9, shifts, rounding, leak, relu, acc, bias });
      // Not vacuous: the descriptor's shift, or a bias read as the whole word, would give
      // other values for most of the outputs.
      const values = (s: (m: number) => number, b: (m: number) => number) => Array.from({ length: 28 * p.tm }, (_, i) =>
        postProcess(acc(Math.floor(i / p.tm), i % p.tm), b(i % p.tm), s(i % p.tm), 8, relu, rounding, leak));
      const right = values(shifts, bias);
      const decoy = values(() => 9, bias);
      const whole = values(shifts, (m) => packChanShiftBias(bias(m), shifts(m)));
      expect(right.filter((v, i) => v !== decoy[i]).length).toBeGreaterThan(right.length / 3);
      expect(right.filter((v, i) => v !== whole[i]).length).toBeGreaterThan(right.length / 4);
      expect(r.want.size).toBeGreaterThan(0);
    }
  });

  it('passes values through at shift 0 and scales the INT32 range down at shift 31', async () => {
    await run({ tileRows: 3, tileCols: 5, shift: 0, acc: cycle([-130, -129, -128, -127, -1, 0, 1, 126, 127, 128, 129, 5, -77]), bias: () => 0 });
    const extremes = [INT32_MIN, INT32_MIN + 1, -(2 ** 30) - 1, -(2 ** 30), -1, 0, 1, 2 ** 30 - 1, 2 ** 30, INT32_MAX - 1, INT32_MAX];
    const r = await run({ tileRows: 3, tileCols: 5, shift: 31, acc: cycle(extremes), bias: (m) => [INT32_MIN, INT32_MAX, 2 ** 30, -(2 ** 30) - 1, 0][m % 5] });
    // floor((t + 2^30) / 2^31) over |t| <= 2^32 is -2..2.
    expect(new Set([...r.want.values()].flat())).toEqual(new Set([-2, -1, 0, 1, 2]));
  });

  it('saturates at both ends of 8 bits', async () => {
    const shift = 3;
    const around = [-129, -128, -127, 126, 127, 128].flatMap((v) => [v * 8 - 4, v * 8 + 3]);
    const r = await run({ tileRows: 4, tileCols: 4, shift, acc: cycle([...around, INT32_MIN, INT32_MAX, -5000, 5000]), bias: randomBias(3, -3, 3) });
    const values = new Set([...r.want.values()].flat());
    for (const v of [-128, -127, 126, 127]) expect(values.has(v)).toBe(true);
  });

  it('adds the bias to the accumulator exactly, without wrapping at the INT32 extremes', async () => {
    // A 32-bit sum would wrap these to the other sign.
    const acc = cycle([INT32_MAX, INT32_MIN, INT32_MAX - 5, INT32_MIN + 5]);
    const bias = (m: number) => (m % 2 === 0 ? INT32_MAX : INT32_MIN);
    for (const shift of [0, 8, 24]) await run({ tileRows: 2, tileCols: 4, shift, acc, bias });
    for (const shift of [0, 30]) await run({ tileRows: 2, tileCols: 4, shift, relu: true, acc, bias, satBits: (p.dataBits as Bits) });
  });

  it('applies ReLU when asked, and keeps the negative values when not', async () => {
    const acc = randomAcc(5, -60_000, 30_000, 36);
    const bias = randomBias(6, -2000, 2000);
    for (const relu of [false, true]) {
      const r = await run({ tileRows: 6, tileCols: 6, kernel: 2, stride: 2, shift: 6, relu, acc, bias });
      const values = [...r.want.values()].flat();
      expect(values.some((v) => v < 0)).toBe(!relu);
      if (relu) expect(values.some((v) => v === 0)).toBe(true);
    }
    // Without pooling, values just either side of zero (and a tie that rounds up to zero).
    const near = [-3, -2, -1.5, -1, -0.5, 0, 0.5, 1, 2].map((v) => v * 64);
    for (const relu of [false, true]) await run({ tileRows: 3, tileCols: 3, shift: 6, relu, acc: cycle(near), bias: () => 0 });
  });

  it('writes every pixel without pooling (kernel 1)', async () => {
    await run({ tileRows: 5, tileCols: 7, shift: 5, acc: randomAcc(7, -6000, 6000, 35), bias: randomBias(8, -100, 100) });
  });

  it('max-pools 2 x 2 windows with stride 2', async () => {
    await run({ tileRows: 6, tileCols: 8, kernel: 2, stride: 2, shift: 5, acc: randomAcc(9, -6000, 6000, 48), bias: randomBias(10, -100, 100) });
  });

  it('max-pools overlapping 3 x 3 windows with stride 2, leaving the ragged last row and column unread', async () => {
    // 8 x 7 accumulators: windows cover rows 0..6 and columns 0..6; row 7 holds the poison.
    const acc = randomAcc(11, -6000, 6000, 56);
    const r = await run({ tileRows: 8, tileCols: 7, kernel: 3, stride: 2, shift: 5, acc: (px, m) => (px >= 7 * 7 ? POISON : acc(px, m)), bias: randomBias(12, -100, 100) });
    expect(r.want.size).toBe(3 * 3 * NJ);
    // And a ragged column: 7 x 8, column 7 poisoned.
    await run({ tileRows: 7, tileCols: 8, kernel: 3, stride: 2, shift: 5, acc: (px, m) => (px % 8 === 7 ? POISON : acc(px, m)), bias: randomBias(13, -100, 100) });
  });

  it('writes c-block planes and rows at the strides given, not the natural ones, jobs back to back', async () => {
    const f = { tileRows: 6, tileCols: 6, kernel: 2, stride: 2, shift: 4, acc: randomAcc(14, -3000, 3000, 36), bias: randomBias(15, -50, 50) };
    // Pooled 3 x 3: rows 5 beats apart, planes 23 beats apart, from an odd beat.
    await run({ ...f, outAddr: 7 * p.busBytes, ystride: 5 * p.busBytes, cstride: 23 * p.busBytes, jobs: 3, jobStep: 200 * p.busBytes });
  });

  it('writes the fc layout: one pixel a row, planes one beat apart, images a whole output apart', async () => {
    // 8 images: tile_cols 1, pool_rows the images, ystride the image stride, cstride one beat.
    // One-beat bursts, issued faster than their data goes: the burst-length FIFO fills.
    const f = { tileRows: 8, tileCols: 1, shift: 7, relu: true, outAddr: 64 * p.busBytes, cstride: p.busBytes, ystride: 10 * p.busBytes, acc: randomAcc(16, -20_000, 20_000, 8), bias: randomBias(17, -500, 500) };
    await run(f);
    expect(8 * NJ).toBeGreaterThanOrEqual(p.writeLenDepth);
    await run({ ...f, wReady: 15, bDelay: 10, seed: 11 });
  });

  it('splits rows into bursts of at most maxBurst beats, never across 4 KiB', async () => {
    const cols = Math.min(40, Math.floor(p.accDepth / 2));
    expect(cols).toBeGreaterThan(p.maxBurst);
    // Rows start 3 beats before a 4 KiB boundary, and at a boundary.
    await run({ tileRows: 2, tileCols: cols, shift: 9, outAddr: 4096 - 3 * p.busBytes, ystride: 4096 + 3 * p.busBytes, cstride: 3 * 4096, acc: randomAcc(18, -70_000, 70_000, 2 * cols), bias: randomBias(19, -500, 500) });
  });

  it('writes the same image under back-pressure on the address, data and response channels', async () => {
    const f = { tileRows: 6, tileCols: 8, kernel: 2, stride: 2, shift: 5, outAddr: 4096 - 5 * p.busBytes, acc: randomAcc(20, -6000, 6000, 48), bias: randomBias(21, -100, 100), jobs: 2, jobStep: 64 * p.busBytes };
    for (const [awReady, wReady, bDelay, seed] of [[30, 25, 25, 3], [90, 5, 3, 4], [5, 95, 0, 5], [50, 50, 40, 6]]) {
      const r = await run({ ...f, awReady, wReady, bDelay, seed });
      // The writer did wait on the channel held back most.
      const [, aw, w] = /^SF_WRITER_STALLS aw (\d+) w (\d+)$/m.exec(r.out)!.map(Number);
      if (awReady <= 30) expect(aw).toBeGreaterThan(0);
      if (wReady <= 25) expect(w).toBeGreaterThan(0);
    }
    // Long rows without pooling and a slow data channel: the data FIFO fills (more vectors than
    // it holds, made faster than taken), so the reader has to wait for room.
    const rows = Math.min(4, Math.floor(p.accDepth / 30));
    expect(rows * 30 * NJ).toBeGreaterThan(p.writeDataDepth);
    await run({ tileRows: rows, tileCols: 30, shift: 5, acc: randomAcc(26, -6000, 6000, rows * 30), bias: randomBias(27, -100, 100), awReady: 60, wReady: 10, bDelay: 8, seed: 7 });
  });

  it('reports a bus error on error_o, still finishing every burst it started, until cleared', async () => {
    const f = { tileRows: 3, tileCols: 20, shift: 5, acc: randomAcc(22, -6000, 6000, 60), bias: randomBias(23, -100, 100), awReady: 70, wReady: 70, bDelay: 6, seed: 9 };
    const r = await run({ ...f, errBurst: 1 });
    expect(r.errors).toEqual([true]);
    // The last burst of the first job: the second job starts with error_o already set.
    await run({ ...f, jobs: 2, jobStep: 4096, errBurst: expectedBursts(f, p).length - 1 });
  });

  // Only designs that have it (a test per design that cannot apply would only be skipped).
  if (NJ > 1) {
    it('writes only the c-blocks of an m-block that has fewer than TM / TN (a layer\'s last)', async () => {
      const f = { tileRows: 6, tileCols: 6, kernel: 2, stride: 2, shift: 5, acc: randomAcc(24, -6000, 6000, 36), bias: randomBias(25, -100, 100) };
      for (let nj = 1; nj < NJ; nj++) {
        const r = await run({ ...f, nj, outAddr: 4096 });
        expect(r.want.size).toBe(9 * nj);
      }
    });
  }

  // Only designs that have it (a test per design that cannot apply would only be skipped).
  if (p.dataBits === 16) {
    it('saturates at both ends of 16 bits, and of 8 bits in 16-bit lanes', async () => {
      const sixteen = [-32769, -32768, -32767, 32766, 32767, 32768].flatMap((v) => [v * 4 - 2, v * 4 + 1]);
      const r16 = await run({ tileRows: 4, tileCols: 4, shift: 2, satBits: 16, acc: cycle([...sixteen, INT32_MIN, INT32_MAX, -300, 300]), bias: () => 0 });
      const v16 = new Set([...r16.want.values()].flat());
      for (const v of [-32768, -32767, 32766, 32767]) expect(v16.has(v)).toBe(true);
      const eight = [-129, -128, -127, 126, 127, 128].flatMap((v) => [v * 4 - 2, v * 4 + 1]);
      const r8 = await run({ tileRows: 4, tileCols: 4, shift: 2, satBits: 8, acc: cycle([...eight, INT32_MIN, INT32_MAX, -30_000, 30_000]), bias: () => 0 });
      const v8 = [...r8.want.values()].flat();
      expect(Math.min(...v8)).toBe(-hi(8) - 1);
      expect(Math.max(...v8)).toBe(hi(8));
    });
  }
});
