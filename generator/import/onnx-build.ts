// Builds small ONNX models in TypeScript (with onnx-proto), for the importer's tests and the
// example scripts: a float or quantized chain of conv, pool and fc layers.
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const T = onnx.TensorProto.DataType;

export type Elem = 'FLOAT' | 'INT8' | 'INT16' | 'INT32' | 'UINT8';

export class OnnxBuilder {
  readonly nodes: onnxProto.onnx.INodeProto[] = [];
  readonly inits: onnxProto.onnx.ITensorProto[] = [];
  private count = 0;

  constant(dims: number[], values: ArrayLike<number>, type: Elem = 'FLOAT', name = this.fresh('c')): string {
    const t: onnxProto.onnx.ITensorProto = { name, dims, dataType: T[type] };
    if (type === 'FLOAT') t.floatData = Array.from(values);
    else t.int32Data = Array.from(values);
    this.inits.push(t);
    return name;
  }

  node(opType: string, inputs: string[], attrs: Record<string, number | number[] | string> = {}, domain = ''): string {
    const out = this.fresh(opType.toLowerCase());
    const attribute = Object.entries(attrs).map(([name, v]) => {
      const A = onnx.AttributeProto.AttributeType;
      if (Array.isArray(v)) return { name, type: A.INTS, ints: v };
      if (typeof v === 'string') return { name, type: A.STRING, s: Buffer.from(v) };
      return Number.isInteger(v) && name !== 'epsilon' && name !== 'alpha' && name !== 'beta' ? { name, type: A.INT, i: v } : { name, type: A.FLOAT, f: v };
    });
    this.nodes.push({ name: `${opType}_${this.count}`, opType, input: inputs, output: [out], attribute, domain });
    return out;
  }

  /** QuantizeLinear then DequantizeLinear with a scalar scale and an int8/int16 zero point 0. */
  qdq(x: string, scale: number, type: Elem = 'INT8'): string {
    const s = this.constant([], [scale]);
    const z = this.constant([], [0], type);
    return this.node('DequantizeLinear', [this.node('QuantizeLinear', [x, s, z]), s, z]);
  }

  /** A constant of integers, dequantized with a scalar scale (or one scale per index of `axis`,
   * by default 0: per output channel of conv and Gemm transB weights). */
  dequantized(dims: number[], ints: ArrayLike<number>, scale: number | number[], type: Elem = 'INT8', axis = 0): string {
    const scales = Array.isArray(scale) ? scale : [scale];
    const s = this.constant(scales.length > 1 ? [scales.length] : [], scales);
    const z = this.constant(scales.length > 1 ? [scales.length] : [], new Array(scales.length).fill(0), type);
    return this.node('DequantizeLinear', [this.constant(dims, ints, type), s, z], scales.length > 1 ? { axis } : {});
  }

  encode(input: { name: string; dims: (number | string)[] }, output: string): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'synergyflow-test',
      opsetImport: [{ domain: '', version: 13 }, { domain: 'qonnx.custom_op.general', version: 1 }],
      graph: {
        name: 'g',
        node: this.nodes,
        initializer: this.inits,
        input: [valueInfo(input.name, input.dims)],
        output: [{ name: output, type: { tensorType: { elemType: T.FLOAT } } }],
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }

  private fresh(prefix: string): string {
    return `${prefix}_${this.count++}`;
  }
}

function valueInfo(name: string, dims: (number | string)[]): onnxProto.onnx.IValueInfoProto {
  return { name, type: { tensorType: { elemType: T.FLOAT, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } } };
}
