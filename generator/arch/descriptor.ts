// The task descriptor: the contract between the host-side compiler (which packs it into memory)
// and the hardware controller/engines (which slice it). One table, used by both sides.
//
// A task computes one output tile of one layer for a run of output-channel blocks ("m-blocks", tm
// channels each), over all input-channel blocks ("c-blocks", tn channels each). The compiler
// pre-computes every address and product, so the hardware needs only adders and comparators.

export const DESC_WORDS = 32;
export const DESC_BYTES = DESC_WORDS * 4;

export const OPCODE_END = 0;
export const OPCODE_LAYER = 1;

export interface DescField {
  name: string;
  word: number;
  lsb: number;
  width: number;
  doc: string;
}

const fields: DescField[] = [];
function field(name: string, word: number, lsb: number, width: number, doc: string): void {
  fields.push({ name, word, lsb, width, doc });
}

field('opcode', 0, 0, 4, '0: end of the task list, 1: layer task');
field('relu', 0, 4, 1, 'apply ReLU after saturation');
field('round_even', 0, 5, 1, 'the shift rounds half to even (else half up; numerics.md step 3)');
field('chan_shift', 0, 6, 1, 'each output channel has its own shift, in the top bits of its bias word (bias-word.ts); shift is unused');
field('shift', 0, 8, 5, 'arithmetic right shift with rounding, half up or (round_even) half to even');
field('sat_bits', 0, 16, 5, 'saturate to this many bits (the model\'s bits)');
field('leak', 0, 24, 5, 'LeakyReLU: negative sums shift this many bits further (0: none)');
field('task_id', 1, 0, 32, 'task index in the task list (written to the trace)');
field('in_addr', 2, 0, 32, 'byte address of the first loaded input vector (c-block 0)');
field('in_cstride', 3, 0, 32, 'bytes between input c-block planes');
field('in_ystride', 4, 0, 32, 'bytes between loaded input rows');
field('cin_blocks', 5, 0, 16, 'input c-blocks to reduce over');
field('kernel_h', 5, 16, 8, 'kernel rows (1 for fc)');
field('kernel_w', 5, 24, 8, 'kernel columns (for fc: c-blocks reduced per buffer fill)');
field('conv_stride', 29, 0, 8, 'conv stride');
field('tile_rows', 6, 0, 16, 'conv-output rows of the tile (before pooling)');
field('tile_cols', 6, 16, 16, 'conv-output columns of the tile');
field('in_tile_cols', 7, 0, 16, 'input-buffer words per tile row');
field('in_tile_rows', 7, 16, 16, 'input-buffer rows of the tile');
field('load_row_first', 8, 0, 16, 'first tile row that lies inside the input (rows before it are padding)');
field('load_rows', 8, 16, 16, 'tile rows inside the input');
field('load_col_first', 9, 0, 16, 'first tile column inside the input');
field('load_cols', 9, 16, 16, 'tile columns inside the input (one burst per row)');
field('w_addr', 10, 0, 32, 'byte address of the weights of the first m-block, c-block 0');
field('w_mstride', 11, 0, 32, 'bytes between m-blocks of weights');
field('w_cstride', 12, 0, 32, 'bytes between c-blocks of weights (kernel_h*kernel_w*tm beats)');
field('bias_addr', 13, 0, 32, 'byte address of the biases of the first m-block');
field('bias_mstride', 14, 0, 32, 'bytes between m-blocks of biases');
field('m_count', 15, 0, 16, 'm-blocks in this task');
field('out_cblocks', 15, 16, 16, 'output c-blocks to write, counted from the first m-block');
field('out_addr', 16, 0, 32, 'byte address of the first pooled output vector of the first m-block');
field('out_cstride', 17, 0, 32, 'bytes between output c-block planes');
field('out_ystride', 18, 0, 32, 'bytes between output rows');
field('pool_rows', 19, 0, 16, 'output rows of the tile (after pooling)');
field('pool_cols', 19, 16, 16, 'output columns of the tile');
field('pool_kernel', 20, 0, 8, 'pool window (1: no pooling)');
field('pool_stride', 20, 8, 8, 'pool stride (1: no pooling)');
field('in_row_step', 21, 0, 16, 'input-buffer words between conv-output rows: conv_stride * in_tile_cols');
field('pool_row_step', 21, 16, 16, 'accumulator words between pooled rows: pool_stride * tile_cols');
field('w_beats', 22, 0, 16, 'weight beats per (m-block, c-block): kernel_h * kernel_w * tm');
field('kk', 22, 16, 16, 'kernel_h * kernel_w');
field('in_dst_first', 23, 0, 16, 'input-buffer word of the first loaded vector: load_row_first * in_tile_cols + load_col_first');
field('pixels', 23, 16, 16, 'tile_rows * tile_cols');
field('out_mstride', 24, 0, 32, 'bytes between m-blocks of output: (tm / tn) * out_cstride');
// Scheduling: dependencies and demand, read by the controller.
field('signal_id', 25, 0, 8, 'dependency counter this task increments when it completes');
field('wait_id', 25, 8, 8, 'dependency counter this task waits on');
field('wait_en', 25, 16, 1, 'the task waits until counter wait_id reaches wait_count');
field('wait_count', 26, 0, 16, 'value counter wait_id must reach before the task may start');
field('pref_engines', 27, 0, 8, 'engines the task can use well (elastic policy; 0: all)');
field('bulk', 27, 8, 1, 'the task is bandwidth-bound: its memory requests yield to those of compute-bound tasks');
field('in_resident', 30, 16, 1, 'the input tiles of every c-block stay in the input buffer for the whole task: loaded with the first m-block (c-block c at word c * in_region), reused by the others');
field('in_region', 30, 0, 16, 'input-buffer words between the c-blocks\' tiles of a resident input: in_tile_rows * in_tile_cols');
field('images', 30, 17, 15, 'images the task covers (0 counts as 1): its units are (image, m-block) pairs, image-major, which the group\'s members take in turn, each loading its own input tiles');
field('in_istride', 31, 0, 32, 'bytes between the input tiles of consecutive images (images > 1)');
field('out_istride', 28, 0, 32, 'bytes between the outputs of consecutive images (images > 1)');
field('job_id', 29, 8, 8, 'job index (for people reading the task list)');
field('layer_id', 29, 16, 8, 'layer index (for people reading the task list)');

export const descriptorFields: readonly DescField[] = fields;

/** Tile and loop fields, bounded by the buffer depths: the hardware keeps params' loopBits of them. */
export const loopFields: ReadonlySet<string> = new Set([
  'kk', 'tile_cols', 'pixels', 'in_tile_cols', 'in_row_step', 'load_row_first', 'load_rows',
  'load_col_first', 'load_cols', 'in_dst_first', 'pool_rows', 'pool_cols', 'pool_row_step', 'w_beats',
  'in_region',
]);

/** Fields that hold byte addresses or byte strides: the hardware keeps memory.addressBits of them. */
export const addressFields: ReadonlySet<string> = new Set([
  'in_addr', 'in_cstride', 'in_ystride', 'w_addr', 'w_mstride', 'w_cstride',
  'bias_addr', 'bias_mstride', 'out_addr', 'out_cstride', 'out_ystride', 'out_mstride',
  'in_istride', 'out_istride',
]);

export type DescriptorValues = Record<string, number>;

/** Packs a descriptor into DESC_WORDS little-endian 32-bit words. Throws on a value that does not fit. */
export function packDescriptor(values: DescriptorValues): Uint32Array {
  const words = new Uint32Array(DESC_WORDS);
  for (const f of fields) {
    const v = values[f.name] ?? 0;
    const limit = 2 ** f.width;
    if (!Number.isInteger(v) || v < 0 || v >= limit) {
      throw new Error(`descriptor field ${f.name} = ${v} does not fit in ${f.width} bits`);
    }
    words[f.word] = (words[f.word] | (v * 2 ** f.lsb)) >>> 0;
  }
  return words;
}

export function unpackDescriptor(words: Uint32Array): DescriptorValues {
  const out: DescriptorValues = {};
  for (const f of fields) {
    out[f.name] = Math.floor(words[f.word] / 2 ** f.lsb) % 2 ** f.width;
  }
  return out;
}

/** Bit offset of a field in the flat descriptor vector (word 0 in the least significant bits). */
export function fieldBitOffset(f: DescField): number {
  return f.word * 32 + f.lsb;
}
