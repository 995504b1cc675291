// NumPy .npy reading and writing for the integer tensors we exchange with users (weights, inputs,
// outputs). Only little-endian, C-order int8/int16/int32 (and uint8 inputs) are accepted; anything else is an
// InputError naming the file, so users learn exactly what np.save call to change.

import { readFileSync, writeFileSync } from 'node:fs';
import { InputError } from '../errors.ts';
import { fileErrorText } from './validate.ts';

export type DType = 'int8' | 'int16' | 'int32' | 'uint8';
export type IntArray = Int8Array | Int16Array | Int32Array | Uint8Array;

export interface Tensor {
  dtype: DType;
  shape: number[];
  data: IntArray;
}

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // "\x93NUMPY"
const ARRAY_ALIGN = 64;
/** numpy leaves room in the header for the first axis to grow to this many digits. */
const GROWTH_AXIS_MAX_DIGITS = 21;
const WRITE_DESCR: Record<DType, string> = { int8: '|i1', int16: '<i2', int32: '<i4', uint8: '|u1' };
const READ_DESCR: Record<string, DType> = { '|i1': 'int8', '<i1': 'int8', '<i2': 'int16', '<i4': 'int32', '|u1': 'uint8' };
const ITEM_BYTES: Record<DType, number> = { int8: 1, int16: 2, int32: 4, uint8: 1 };

export function makeTensor(dtype: DType, shape: number[], data?: IntArray): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = data ?? newArray(dtype, n);
  if (out.BYTES_PER_ELEMENT !== ITEM_BYTES[dtype]) throw new Error(`tensor data of ${out.BYTES_PER_ELEMENT}-byte elements cannot be ${dtype}`);
  if (out.length !== n) throw new Error(`tensor data has ${out.length} elements, shape [${shape.join(', ')}] needs ${n}`);
  return { dtype, shape, data: out };
}

export function newArray(dtype: DType, length: number): IntArray {
  if (dtype === 'int8') return new Int8Array(length);
  if (dtype === 'uint8') return new Uint8Array(length);
  if (dtype === 'int16') return new Int16Array(length);
  return new Int32Array(length);
}

export function readNpy(path: string): Tensor {
  return parseNpy(readNpyFile(path), path);
}

function readNpyFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new InputError([{ file: path, field: '', expected: 'a readable .npy file', found: fileErrorText(err) }]);
  }
}

export function writeNpy(path: string, tensor: Tensor): void {
  writeFileSync(path, encodeNpy(tensor));
}

export function parseNpy(buf: Buffer, file: string): Tensor {
  const { header, dataStart, fail } = parseFrame(buf, file);
  const dtype = READ_DESCR[header.descr];
  if (dtype === undefined) {
    fail('descr', "little-endian int8 ('|i1'), int16 ('<i2'), int32 ('<i4') or uint8 ('|u1') data", `${JSON.stringify(header.descr)} (${describeDescr(header.descr)})`);
  }
  checkOrder(header, fail);

  const count = header.shape.reduce((a, b) => a * b, 1);
  const byteLength = count * ITEM_BYTES[dtype];
  const found = buf.length - dataStart;
  if (found !== byteLength) {
    fail('data', `${byteLength} bytes of ${dtype} data for shape [${header.shape.join(',')}]`, String(found));
  }
  const data = newArray(dtype, count);
  // Copy (rather than view) so the array is aligned; assumes a little-endian host like numpy's files.
  new Uint8Array(data.buffer).set(buf.subarray(dataStart, dataStart + byteLength));
  return { dtype, shape: header.shape, data };
}

type Fail = (field: string, expected: string, found: string) => never;

/** The magic, version and header of a .npy file, and where its data starts. */
function parseFrame(buf: Buffer, file: string): { header: NpyHeader; dataStart: number; fail: Fail } {
  const fail: Fail = (field, expected, found) => {
    throw new InputError([{ file, field, expected, found }]);
  };
  if (buf.length < 6 || !buf.subarray(0, 6).equals(MAGIC)) {
    const start = buf.length < 6 ? `a file of ${buf.length} bytes` : JSON.stringify(buf.subarray(0, 6).toString('latin1'));
    fail('magic', 'a NumPy .npy file (starting with "\\x93NUMPY")', start);
  }
  if (buf.length < 8) fail('header', 'a complete header', `a file of ${buf.length} bytes`);
  const major = buf[6];
  const minor = buf[7];
  if ((major !== 1 && major !== 2) || minor !== 0) fail('version', '.npy format version 1.0 or 2.0', `${major}.${minor}`);
  const lenBytes = major === 1 ? 2 : 4;
  if (buf.length < 8 + lenBytes) fail('header', 'a complete header', `a file of ${buf.length} bytes`);
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const dataStart = 8 + lenBytes + headerLen;
  if (buf.length < dataStart) fail('header', `a header of ${headerLen} bytes`, `only ${buf.length - 8 - lenBytes} bytes`);
  return { header: parseHeader(buf.subarray(8 + lenBytes, dataStart).toString('latin1'), fail), dataStart, fail };
}

function checkOrder(header: NpyHeader, fail: Fail): void {
  if (header.fortranOrder) fail('fortran_order', 'False (C order; save with np.ascontiguousarray)', 'True');
}

/** Element types readNumericNpy accepts (calibration and evaluation data sets). */
const NUMERIC_DESCR: Record<string, { bytes: number; read: (view: DataView, offset: number) => number }> = {
  '<f4': { bytes: 4, read: (v, o) => v.getFloat32(o, true) },
  '<f8': { bytes: 8, read: (v, o) => v.getFloat64(o, true) },
  '|u1': { bytes: 1, read: (v, o) => v.getUint8(o) },
  '|i1': { bytes: 1, read: (v, o) => v.getInt8(o) },
  '<i2': { bytes: 2, read: (v, o) => v.getInt16(o, true) },
  '<u2': { bytes: 2, read: (v, o) => v.getUint16(o, true) },
  '<i4': { bytes: 4, read: (v, o) => v.getInt32(o, true) },
  '<i8': { bytes: 8, read: (v, o) => Number(v.getBigInt64(o, true)) },
};

export interface NumericTensor {
  /** numpy's type string, e.g. '<f4'. */
  descr: string;
  shape: number[];
  data: Float64Array;
}

/**
 * Reads a data set file: float32/64 or integer data, as float64 values (a calibration set, images
 * and labels). Integers beyond 2^53 (int64) are not exact, which labels never need.
 */
export function readNumericNpy(path: string): NumericTensor {
  return parseNumericNpy(readNpyFile(path), path);
}

export function parseNumericNpy(buf: Buffer, file: string): NumericTensor {
  const { header, dataStart, fail } = parseFrame(buf, file);
  const kind = NUMERIC_DESCR[header.descr];
  if (!kind) fail('descr', `one of ${Object.keys(NUMERIC_DESCR).join(', ')} (float32/64 or little-endian integers)`, `${JSON.stringify(header.descr)} (${describeDescr(header.descr)})`);
  checkOrder(header, fail);
  const count = header.shape.reduce((a, b) => a * b, 1);
  const found = buf.length - dataStart;
  if (found !== count * kind.bytes) fail('data', `${count * kind.bytes} bytes for shape [${header.shape.join(',')}]`, String(found));
  const view = new DataView(buf.buffer, buf.byteOffset + dataStart, count * kind.bytes);
  const data = new Float64Array(count);
  for (let i = 0; i < count; i++) data[i] = kind.read(view, i * kind.bytes);
  return { descr: header.descr, shape: header.shape, data };
}

/** Encodes float32 data as np.save does (for calibration files written by tests and scripts). */
export function encodeFloat32Npy(shape: number[], data: ArrayLike<number>): Buffer {
  return encodeRaw('<f4', shape, new Float32Array(data));
}

interface NpyHeader {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
}

/** Parses the header, a Python dict literal such as {'descr': '|i1', 'fortran_order': False, 'shape': (2, 3), }. */
function parseHeader(text: string, fail: (field: string, expected: string, found: string) => never): NpyHeader {
  const bad = (why: string): never => fail('header', "a Python dict {'descr': ..., 'fortran_order': ..., 'shape': (...)}", `${why} in ${JSON.stringify(text.trim().slice(0, 120))}`);
  let pos = 0;
  const skipSpace = (): void => {
    while (pos < text.length && /\s/.test(text[pos])) pos++;
  };
  const expectChar = (ch: string): void => {
    skipSpace();
    if (text[pos] !== ch) bad(`'${ch}' missing at offset ${pos}`);
    pos++;
  };
  const tryChar = (ch: string): boolean => {
    skipSpace();
    if (text[pos] === ch) {
      pos++;
      return true;
    }
    return false;
  };
  const readStr = (): string => {
    skipSpace();
    const quote = text[pos];
    if (quote !== "'" && quote !== '"') bad(`a string missing at offset ${pos}`);
    const end = text.indexOf(quote, pos + 1);
    if (end < 0) bad('an unterminated string');
    const s = text.slice(pos + 1, end);
    pos = end + 1;
    return s;
  };
  const readValue = (): string | boolean | number[] => {
    skipSpace();
    if (text[pos] === "'" || text[pos] === '"') return readStr();
    if (text.startsWith('True', pos)) { pos += 4; return true; }
    if (text.startsWith('False', pos)) { pos += 5; return false; }
    if (text[pos] === '(') {
      pos++;
      const dims: number[] = [];
      while (!tryChar(')')) {
        skipSpace();
        const m = /^\d+L?/.exec(text.slice(pos));
        if (!m) bad(`a dimension missing at offset ${pos}`);
        dims.push(Number.parseInt(m![0], 10));
        pos += m![0].length;
        if (!tryChar(',')) { expectChar(')'); break; }
      }
      return dims;
    }
    return bad(`an unsupported value at offset ${pos}`);
  };

  const entries = new Map<string, string | boolean | number[]>();
  expectChar('{');
  while (!tryChar('}')) {
    const key = readStr();
    expectChar(':');
    entries.set(key, readValue());
    if (!tryChar(',')) { expectChar('}'); break; }
  }
  const descr = entries.get('descr');
  const fortranOrder = entries.get('fortran_order');
  const shape = entries.get('shape');
  if (typeof descr !== 'string') bad("no string 'descr'");
  if (typeof fortranOrder !== 'boolean') bad("no True/False 'fortran_order'");
  if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d))) bad("no tuple 'shape'");
  const extra = [...entries.keys()].filter((k) => !['descr', 'fortran_order', 'shape'].includes(k));
  if (extra.length > 0) bad(`unexpected keys ${extra.join(', ')}`);
  return { descr: descr as string, fortranOrder: fortranOrder as boolean, shape: shape as number[] };
}

/** Human name of a numpy type string, e.g. '<i8' -> "little-endian int64", for error messages. */
function describeDescr(descr: string): string {
  const m = /^([<>|=]?)([a-zA-Z])(\d+)$/.exec(descr);
  if (!m) return 'not a plain numeric type';
  const kinds: Record<string, string> = { i: 'int', u: 'uint', f: 'float', b: 'bool', c: 'complex' };
  const kind = kinds[m[2]];
  if (kind === undefined) return 'not an integer type';
  const width = kind === 'bool' ? '' : String(Number(m[3]) * 8);
  const order = m[1] === '>' ? 'big-endian ' : m[1] === '<' ? 'little-endian ' : '';
  return `${order}${kind}${width}`;
}

/** Encodes a tensor byte for byte as numpy's np.save writes it (format 1.0, 64-byte aligned data). */
export function encodeNpy(tensor: Tensor): Buffer {
  return encodeRaw(WRITE_DESCR[tensor.dtype], tensor.shape, tensor.data);
}

function encodeRaw(descr: string, shape: number[], values: ArrayBufferView): Buffer {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  if (shape.length > 0) header += ' '.repeat(GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length);
  const withNewline = header.length + 1;
  const padding = ARRAY_ALIGN - ((MAGIC.length + 2 + 2 + withNewline) % ARRAY_ALIGN);
  const headerLen = withNewline + padding;
  if (headerLen > 0xffff) throw new Error(`npy header of ${headerLen} bytes does not fit format 1.0`);

  const prefix = Buffer.alloc(10);
  MAGIC.copy(prefix, 0);
  prefix[6] = 1;
  prefix[7] = 0;
  prefix.writeUInt16LE(headerLen, 8);
  const headerBytes = Buffer.from(header + ' '.repeat(padding) + '\n', 'latin1');
  const data = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  return Buffer.concat([prefix, headerBytes, data]);
}
