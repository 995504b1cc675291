import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError, type Problem } from '../errors.ts';
import { encodeFloat32Npy, encodeNpy, makeTensor, parseNpy, parseNumericNpy, readNpy, writeNpy, type Tensor } from './npy.ts';

const hasNumpy = spawnSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'sf-npy-'));

function sample(): Tensor[] {
  return [
    makeTensor('int8', [4, 3, 2, 5], Int8Array.from({ length: 120 }, (_, i) => ((i * 37) % 256) - 128)),
    makeTensor('int16', [7], Int16Array.from([-32768, -1, 0, 1, 255, 32767, 1234])),
    makeTensor('int32', [2, 3], Int32Array.from([-2147483648, 2147483647, 0, -5, 65536, 7])),
    makeTensor('int8', [0, 3]),
    makeTensor('int32', [], Int32Array.from([42])),
  ];
}

function problemOf(buf: Buffer): Problem {
  try {
    parseNpy(buf, 'x.npy');
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    const { problems } = err as InputError;
    expect(problems).toHaveLength(1);
    expect(problems[0].file).toBe('x.npy');
    return problems[0];
  }
  throw new Error('expected an InputError');
}

/** A .npy file with the given header dict text and data bytes (version 1.0). */
function rawNpy(header: string, data: Buffer, version = 1): Buffer {
  const h = Buffer.from(`${header}\n`, 'latin1');
  const prefix = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const len = Buffer.alloc(version === 1 ? 2 : 4);
  if (version === 1) len.writeUInt16LE(h.length);
  else len.writeUInt32LE(h.length);
  return Buffer.concat([prefix, len, h, data]);
}

describe('npy', () => {
  it('round-trips every dtype and shape', () => {
    for (const t of sample()) {
      const back = parseNpy(encodeNpy(t), 't.npy');
      expect(back.dtype).toBe(t.dtype);
      expect(back.shape).toEqual(t.shape);
      expect(Array.from(back.data)).toEqual(Array.from(t.data));
    }
  });

  it('aligns the data to 64 bytes and ends the header with a newline', () => {
    for (const t of sample()) {
      const buf = encodeNpy(t);
      const dataStart = 10 + buf.readUInt16LE(8);
      expect(dataStart % 64).toBe(0);
      expect(buf[dataStart - 1]).toBe(0x0a);
      expect(buf.length - dataStart).toBe(t.data.byteLength);
    }
  });

  it('reads version 2.0 headers', () => {
    const t = parseNpy(rawNpy("{'descr': '<i2', 'fortran_order': False, 'shape': (2,), }", Buffer.from([1, 0, 0xff, 0xff]), 2), 'v2.npy');
    expect(t.dtype).toBe('int16');
    expect(Array.from(t.data)).toEqual([1, -1]);
  });

  it('writes and reads files', () => {
    const path = join(dir, 'w.npy');
    writeNpy(path, sample()[0]);
    expect(Array.from(readNpy(path).data)).toEqual(Array.from(sample()[0].data));
  });

  it('reports a missing file', () => {
    const path = join(dir, 'none.npy');
    expect(() => readNpy(path)).toThrow(`${path}: expected a readable .npy file, found no such file`);
  });

  describe('rejects malformed files with a message naming the file', () => {
    const good = encodeNpy(makeTensor('int8', [4, 3, 20, 20]));

    it('bad magic', () => {
      const p = problemOf(Buffer.from('PK\u0003\u0004 not numpy at all'));
      expect(p.field).toBe('magic');
      expect(p.found).toContain('PK');
    });

    it('empty file', () => {
      expect(problemOf(Buffer.alloc(0)).found).toBe('a file of 0 bytes');
    });

    it('unsupported version', () => {
      const buf = Buffer.from(good);
      buf[6] = 4;
      expect(problemOf(buf)).toMatchObject({ field: 'version', found: '4.0' });
    });

    it('truncated header', () => {
      const p = problemOf(good.subarray(0, 40));
      expect(p.field).toBe('header');
      expect(p.expected).toBe('a header of 118 bytes');
      expect(p.found).toBe('only 30 bytes');
    });

    it('truncated data', () => {
      const p = problemOf(good.subarray(0, 128 + 1000));
      expect(p.field).toBe('data');
      expect(`${p.expected}, found ${p.found}`).toBe('4800 bytes of int8 data for shape [4,3,20,20], found 1000');
    });

    it('trailing data', () => {
      expect(problemOf(Buffer.concat([good, Buffer.alloc(3)])).found).toBe('4803');
    });

    it('wrong dtype', () => {
      const p = problemOf(rawNpy("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", Buffer.alloc(16)));
      expect(p.field).toBe('descr');
      expect(p.found).toBe('"<i8" (little-endian int64)');
      expect(p.expected).toContain("int8 ('|i1')");
      expect(problemOf(rawNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", Buffer.alloc(8))).found).toContain('float32');
    });

    it('big-endian', () => {
      const p = problemOf(rawNpy("{'descr': '>i2', 'fortran_order': False, 'shape': (2,), }", Buffer.alloc(4)));
      expect(p.found).toBe('">i2" (big-endian int16)');
      expect(p.expected).toContain('little-endian');
    });

    it('fortran order', () => {
      const p = problemOf(rawNpy("{'descr': '|i1', 'fortran_order': True, 'shape': (2, 2), }", Buffer.alloc(4)));
      expect(p).toMatchObject({ field: 'fortran_order', found: 'True' });
    });

    it('garbled header', () => {
      const p = problemOf(rawNpy("{'descr': '|i1', 'shape': [2, 2]}", Buffer.alloc(4)));
      expect(p.field).toBe('header');
      expect(p.found).toContain('unsupported value');
      expect(problemOf(rawNpy("{'descr': '|i1', 'shape': (2,)}", Buffer.alloc(2))).found).toContain("no True/False 'fortran_order'");
    });
  });

  describe('data sets (float and integer .npy)', () => {
    it('reads float32 and every integer type as numbers', () => {
      const values = [0.5, -1.25, 3e-8, 1e30, -0, 255];
      const f = parseNumericNpy(encodeFloat32Npy([2, 3], values), 'x.npy');
      expect(f).toEqual({ descr: '<f4', shape: [2, 3], data: Float64Array.from(values.map(Math.fround)) });
      const i = parseNumericNpy(encodeNpy(makeTensor('int16', [3], Int16Array.from([-32768, 7, 32767]))), 'y.npy');
      expect([...i.data]).toEqual([-32768, 7, 32767]);
      const u8 = rawNpy("{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }", Buffer.from([0, 128, 255]));
      expect([...parseNumericNpy(u8, 'u.npy').data]).toEqual([0, 128, 255]);
    });

    it('refuses complex data and short files, naming the file and field', () => {
      const c = rawNpy("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", Buffer.alloc(8));
      expect(() => parseNumericNpy(c, 'c.npy')).toThrow(/c\.npy: descr: expected one of <f4, <f8, \|u1/);
      const short = rawNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", Buffer.alloc(8));
      expect(() => parseNumericNpy(short, 's.npy')).toThrow(/16 bytes for shape \[4\]/);
    });
  });

  describe.skipIf(!hasNumpy)('numpy interop', () => {
    it('numpy reads what we write, and np.save writes the same bytes', () => {
      const script = [
        'import numpy as np, sys, json, io',
        'out = []',
        'for p in sys.argv[1:]:',
        '    a = np.load(p)',
        '    b = io.BytesIO(); np.save(b, a)',
        '    out.append({"dtype": str(a.dtype), "shape": list(a.shape), "data": a.ravel().tolist(), "same": b.getvalue() == open(p, "rb").read()})',
        'print(json.dumps(out))',
      ].join('\n');
      const paths = sample().map((t, i) => {
        const p = join(dir, `ours${i}.npy`);
        writeNpy(p, t);
        return p;
      });
      const read = JSON.parse(execFileSync('python3', ['-c', script, ...paths], { encoding: 'utf8' }));
      sample().forEach((t, i) => {
        expect(read[i]).toEqual({ dtype: t.dtype, shape: t.shape, data: Array.from(t.data), same: true });
      });
    });

    it('we read what numpy writes', () => {
      const script = [
        'import numpy as np, sys',
        'd = sys.argv[1]',
        "np.save(d + '/a.npy', (np.arange(2*3*4*5) % 256 - 128).astype(np.int8).reshape(2, 3, 4, 5))",
        "np.save(d + '/b.npy', np.array([[-32768, 32767], [7, -7]], dtype='<i2'))",
        "np.save(d + '/c.npy', np.arange(-3, 3, dtype=np.int32))",
        "np.save(d + '/f.npy', np.asfortranarray(np.zeros((2, 3), np.int8)))",
        "np.save(d + '/e.npy', np.zeros((2,), dtype='>i4'))",
        "np.save(d + '/g.npy', np.zeros((2,), dtype=np.int64))",
      ].join('\n');
      execFileSync('python3', ['-c', script, dir]);
      const a = readNpy(join(dir, 'a.npy'));
      expect(a.dtype).toBe('int8');
      expect(a.shape).toEqual([2, 3, 4, 5]);
      expect(Array.from(a.data)).toEqual(Array.from({ length: 120 }, (_, i) => (i % 256) - 128));
      const b = readNpy(join(dir, 'b.npy'));
      expect([b.dtype, b.shape, Array.from(b.data)]).toEqual(['int16', [2, 2], [-32768, 32767, 7, -7]]);
      const c = readNpy(join(dir, 'c.npy'));
      expect([c.dtype, c.shape, Array.from(c.data)]).toEqual(['int32', [6], [-3, -2, -1, 0, 1, 2]]);
      expect(() => readNpy(join(dir, 'f.npy'))).toThrow('fortran_order: expected False');
      expect(() => readNpy(join(dir, 'e.npy'))).toThrow('big-endian int32');
      expect(() => readNpy(join(dir, 'g.npy'))).toThrow('little-endian int64');
    });
  });

  it('keeps file bytes intact through read and write', () => {
    const path = join(dir, 'copy.npy');
    const original = encodeNpy(sample()[1]);
    writeFileSync(path, original);
    expect(encodeNpy(readNpy(path)).equals(readFileSync(path))).toBe(true);
  });
});
