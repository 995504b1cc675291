// Reads an ONNX model file with the maintained onnx-proto (protobufjs) bindings into a plain,
// typed view of its graph: nodes with decoded attributes, constant tensors as numbers, and the
// graph's input and output. Nothing here knows what the accelerator can run (map.ts does).
import { readFileSync } from 'node:fs';
import onnxProto from 'onnx-proto';
import { InputError } from '../errors.ts';
import { fileErrorText } from '../model/validate.ts';

const { onnx } = onnxProto;
const DataType = onnx.TensorProto.DataType;

export type AttrValue = number | number[] | string | OnnxTensor | undefined;

export interface OnnxNode {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attrs: Map<string, AttrValue>;
}

export interface OnnxTensor {
  name: string;
  /** ONNX element type name: FLOAT, INT8, UINT8, INT32, INT64, ... */
  type: string;
  dims: number[];
  data: Float64Array;
}

export interface OnnxGraph {
  file: string;
  producer: string;
  opset: number;
  nodes: OnnxNode[];
  /** Initializers and Constant nodes' values, by tensor name. */
  constants: Map<string, OnnxTensor>;
  input: { name: string; type: string; dims: (number | string)[] };
  outputs: string[];
}

type Long = { toNumber(): number } | number;
const num = (v: Long | null | undefined): number => (v === null || v === undefined ? 0 : typeof v === 'number' ? v : v.toNumber());

export function readOnnxFile(path: string): OnnxGraph {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new InputError([{ file: path, field: '', expected: 'a readable ONNX model file', found: fileErrorText(err) }]);
  }
  return parseOnnx(bytes, path);
}

export function parseOnnx(bytes: Uint8Array, file: string): OnnxGraph {
  let model: InstanceType<typeof onnx.ModelProto>;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw new InputError([{ file, field: '', expected: 'an ONNX model (a serialized ModelProto)', found: `bytes that do not decode as one (${(err as Error).message})` }]);
  }
  const graph = model.graph;
  if (!graph || !graph.node || graph.node.length === 0) {
    throw new InputError([{ file, field: 'graph', expected: 'a graph with nodes', found: 'an empty graph' }]);
  }
  const opset = (model.opsetImport ?? []).filter((o) => !o.domain || o.domain === 'ai.onnx').map((o) => num(o.version as Long))[0] ?? 0;
  const constants = new Map<string, OnnxTensor>();
  for (const t of graph.initializer ?? []) constants.set(t.name ?? '', readTensor(t, file));
  const nodes: OnnxNode[] = [];
  graph.node.forEach((n, i) => {
    const node: OnnxNode = {
      name: n.name || `${n.opType}_${i}`,
      opType: n.opType ?? '',
      domain: n.domain ?? '',
      inputs: (n.input ?? []).map(String),
      outputs: (n.output ?? []).map(String),
      attrs: new Map((n.attribute ?? []).map((a) => [a.name ?? '', readAttr(a, file)])),
    };
    if (node.opType === 'Constant') {
      const value = node.attrs.get('value');
      if (value && typeof value === 'object' && !Array.isArray(value)) constants.set(node.outputs[0], { ...value, name: node.outputs[0] });
      else throw new InputError([{ file, field: `node ${node.name}`, expected: 'a Constant with a tensor value', found: `attributes ${[...node.attrs.keys()].join(', ')}` }]);
      return;
    }
    nodes.push(node);
  });
  const inputs = (graph.input ?? []).filter((v) => !constants.has(v.name ?? ''));
  if (inputs.length !== 1) {
    throw new InputError([{ file, field: 'graph.input', expected: 'exactly one input (the image batch) besides the initializers', found: `${inputs.length}: ${inputs.map((v) => v.name).join(', ')}` }]);
  }
  const tt = inputs[0].type?.tensorType;
  const input = {
    name: inputs[0].name ?? '',
    type: DataType[tt?.elemType ?? 0] ?? 'UNDEFINED',
    dims: (tt?.shape?.dim ?? []).map((d) => (d.dimParam ? d.dimParam : num(d.dimValue as Long))),
  };
  return { file, producer: `${model.producerName ?? ''} ${model.producerVersion ?? ''}`.trim(), opset, nodes, constants, input, outputs: (graph.output ?? []).map((o) => o.name ?? '') };
}

function readAttr(a: onnxProto.onnx.IAttributeProto, file: string): AttrValue {
  const T = onnx.AttributeProto.AttributeType;
  switch (a.type) {
    case T.INT: return num(a.i as Long);
    case T.FLOAT: return a.f ?? 0;
    case T.INTS: return (a.ints ?? []).map((v) => num(v as Long));
    case T.FLOATS: return [...(a.floats ?? [])];
    case T.STRING: return Buffer.from(a.s ?? new Uint8Array()).toString('utf8');
    case T.TENSOR: return a.t ? readTensor(a.t, file) : undefined;
    default: return undefined;
  }
}

const RAW: Record<string, [number, (v: DataView, o: number) => number]> = {
  FLOAT: [4, (v, o) => v.getFloat32(o, true)],
  DOUBLE: [8, (v, o) => v.getFloat64(o, true)],
  INT8: [1, (v, o) => v.getInt8(o)],
  UINT8: [1, (v, o) => v.getUint8(o)],
  INT16: [2, (v, o) => v.getInt16(o, true)],
  UINT16: [2, (v, o) => v.getUint16(o, true)],
  INT32: [4, (v, o) => v.getInt32(o, true)],
  INT64: [8, (v, o) => Number(v.getBigInt64(o, true))],
};

function readTensor(t: onnxProto.onnx.ITensorProto, file: string): OnnxTensor {
  const type = DataType[t.dataType ?? 0] ?? 'UNDEFINED';
  const dims = (t.dims ?? []).map((d) => num(d as Long));
  const count = dims.reduce((a, b) => a * b, 1);
  const name = t.name ?? '';
  const fail = (found: string): never => {
    throw new InputError([{ file, field: `tensor ${name}`, expected: `${count} values of a numeric type (${Object.keys(RAW).join(', ')})`, found }]);
  };
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) fail('data in an external file (save the model with its weights inside)');
  let values: number[] | Float64Array;
  if (t.rawData && t.rawData.length > 0) {
    const kind = RAW[type] ?? fail(`raw data of type ${type}`);
    if (t.rawData.length !== count * kind[0]) fail(`${t.rawData.length} bytes of ${type}`);
    const view = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
    values = new Float64Array(count);
    for (let i = 0; i < count; i++) values[i] = kind[1](view, i * kind[0]);
  } else if (type === 'FLOAT') values = [...(t.floatData ?? [])];
  else if (type === 'DOUBLE') values = [...(t.doubleData ?? [])];
  else if (type === 'INT64') values = (t.int64Data ?? []).map((v) => num(v as Long));
  else if (['INT8', 'UINT8', 'INT16', 'UINT16', 'INT32'].includes(type)) values = [...(t.int32Data ?? [])];
  else values = fail(`type ${type}`);
  if (values.length !== count) fail(`${values.length} values`);
  return { name, type, dims, data: Float64Array.from(values) };
}
