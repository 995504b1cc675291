// Memory layout of activations, weights and biases, and the memory image they live in.
//
// Activations of a batch are stored per image as channel blocks of tn lanes ("NCHWc"):
// [image][c-block][row][column][lane], one memory beat per (c-block, row, column). Channels past
// the last real one are padding; the weights that read them are zero.

export interface ActLayout {
  base: number;
  batch: number;
  c: number;
  h: number;
  w: number;
  cblocks: number;
  /** Bytes between images, c-block planes and rows; a column is one beat. */
  imgStride: number;
  cstride: number;
  ystride: number;
  bytes: number;
}

export function actLayout(base: number, batch: number, [c, h, w]: readonly number[], tn: number, busBytes: number): ActLayout {
  const cblocks = Math.ceil(c / tn);
  const ystride = w * busBytes;
  const cstride = h * ystride;
  const imgStride = cblocks * cstride;
  return { base, batch, c, h, w, cblocks, imgStride, cstride, ystride, bytes: batch * imgStride };
}

/** A byte-addressed memory image with little-endian lanes. */
export class MemImage {
  readonly bytes: Uint8Array;
  private readonly view: DataView;

  constructor(
    size: number,
    readonly laneBytes: 1 | 2,
  ) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }

  writeLane(addr: number, value: number): void {
    if (this.laneBytes === 1) this.view.setInt8(addr, value);
    else this.view.setInt16(addr, value, true);
  }

  readLane(addr: number): number {
    return this.laneBytes === 1 ? this.view.getInt8(addr) : this.view.getInt16(addr, true);
  }

  writeU32(addr: number, value: number): void {
    this.view.setUint32(addr, value >>> 0, true);
  }

  writeI32(addr: number, value: number): void {
    this.view.setInt32(addr, value, true);
  }

  readU32(addr: number): number {
    return this.view.getUint32(addr, true);
  }
}

/** Writes NCHW values (one batch) into their blocked layout. */
export function packActivations(mem: MemImage, layout: ActLayout, values: ArrayLike<number>, tn: number): void {
  const { batch, c, h, w } = layout;
  const lane = mem.laneBytes;
  for (let n = 0; n < batch; n++) {
    for (let ch = 0; ch < c; ch++) {
      const cb = Math.floor(ch / tn);
      const planeBase = layout.base + n * layout.imgStride + cb * layout.cstride + (ch % tn) * lane;
      const src = ((n * c + ch) * h) * w;
      for (let y = 0; y < h; y++) {
        const rowBase = planeBase + y * layout.ystride;
        for (let x = 0; x < w; x++) mem.writeLane(rowBase + x * tn * lane, values[src + y * w + x]);
      }
    }
  }
}

/** Reads a blocked layout back to NCHW values. `mem` may hold just the layout's region. */
export function unpackActivations(mem: MemImage, layout: ActLayout, tn: number, regionBase = 0): Int32Array {
  const { batch, c, h, w } = layout;
  const lane = mem.laneBytes;
  const out = new Int32Array(batch * c * h * w);
  for (let n = 0; n < batch; n++) {
    for (let ch = 0; ch < c; ch++) {
      const cb = Math.floor(ch / tn);
      const planeBase = layout.base - regionBase + n * layout.imgStride + cb * layout.cstride + (ch % tn) * lane;
      const dst = ((n * c + ch) * h) * w;
      for (let y = 0; y < h; y++) {
        const rowBase = planeBase + y * layout.ystride;
        for (let x = 0; x < w; x++) out[dst + y * w + x] = mem.readLane(rowBase + x * tn * lane);
      }
    }
  }
  return out;
}

export function alignUp(value: number, align: number): number {
  return Math.ceil(value / align) * align;
}
