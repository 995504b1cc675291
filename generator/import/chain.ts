// Walks an ONNX graph from its input to its output and groups the nodes into the layers the
// accelerator runs: a Conv, Gemm or MatMul with what follows it up to the next one (bias Add,
// folded BatchNormalization, Relu, MaxPool, quantization points, Flatten). The graph must be a
// chain; anything it cannot map is refused naming the node, its op and what is supported.
import { InputError } from '../errors.ts';
import { convOutSize, poolOutSize, type Shape3 } from '../model/model.ts';
import type { AttrValue, OnnxGraph, OnnxNode } from './onnx-read.ts';

export const SUPPORTED_OPS = [
  'Conv', 'Gemm', 'MatMul', 'AveragePool and GlobalAveragePool (power-of-two windows)', 'Add (a bias)', 'BatchNormalization (float models)', 'Relu',
  'LeakyRelu (alpha a power of two)', 'MaxPool', 'Flatten', 'Reshape (to [N, -1])',
  'Transpose (NHWC input, or before Flatten)', 'QuantizeLinear', 'DequantizeLinear', 'Quant (QONNX)', 'Identity', 'Dropout',
  'Softmax/LogSoftmax (last, dropped)',
];

/** A constant after its own small subgraph: float values, and the integers and scale when it
 * came out of a DequantizeLinear or a QONNX Quant. */
export interface ConstValue {
  dims: number[];
  /** ONNX element type of an initializer (FLOAT, INT8, ...). */
  type?: string;
  values: Float64Array;
  /** scale and zeroPoint hold one value, or one per index of `axis`. */
  quant?: { ints: Float64Array; scale: number[]; zeroPoint: number[]; axis: number; type: string; node: string };
}

/** A quantization point on the activation path. */
export interface ActQuant {
  node: string;
  scale: number;
  /** Integer range of the quantized values. */
  lo: number;
  hi: number;
}

export interface LayerDraft {
  kind: 'conv' | 'fc' | 'avgpool';
  /** The compute node (Conv, Gemm, MatMul, AveragePool). */
  node: string;
  nodes: string[];
  inShape: Shape3;
  /** conv [out, in, k, k]; fc [out, in] with in in C, H, W order (see flattenHwc). */
  weight: ConstValue;
  bias?: ConstValue;
  /** Per-output-channel affine folded in (BatchNormalization): w * mul, b * mul + add. */
  bn?: { mul: Float64Array; add: Float64Array; node: string };
  out: number;
  kernel: number;
  stride: number;
  pad: number;
  relu: boolean;
  /** LeakyRelu with alpha = 2^-leak. */
  leak?: number;
  pool?: { kernel: number; stride: number; node: string };
  /** The graph flattened the input in H, W, C order (a Transpose before Flatten): the weights
   * were permuted to C, H, W. */
  flattenHwc: boolean;
  /** Quantization points of the layer's input (the last before the layer) and output. */
  inQuant?: ActQuant;
  outQuant?: ActQuant;
  outShape: Shape3;
}

export interface Chain {
  layers: LayerDraft[];
  /** The input's layout in the graph (NHWC when it starts with a Transpose to NCHW). */
  inputLayout: 'NCHW' | 'NHWC';
  inputShape: Shape3;
  dropped: string[];
  quantized: boolean;
}

const QONNX_DOMAINS = ['qonnx.custom_op.general', 'finn.custom_op.general', 'finn'];

export function buildChain(g: OnnxGraph): Chain {
  const fail = (node: OnnxNode | string, expected: string, found: string): never => {
    const name = typeof node === 'string' ? node : `node ${node.name} (${node.opType})`;
    throw new InputError([{ file: g.file, field: name, expected, found }]);
  };
  const consts = evaluateConstants(g, fail);
  const consumers = new Map<string, OnnxNode[]>();
  for (const n of g.nodes) {
    if (n.outputs.every((o) => consts.has(o))) continue;
    for (const i of n.inputs) if (i && !consts.has(i)) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  }

  const dims = g.input.dims;
  if (dims.length !== 4 && dims.length !== 2) fail('graph.input', 'an input of shape [N, C, H, W], [N, H, W, C] or [N, features]', `[${dims.join(', ')}]`);
  if (dims.slice(1).some((d) => typeof d !== 'number' || d < 1)) fail('graph.input', 'fixed sizes for every dimension but the batch', `[${dims.join(', ')}]`);
  const rest = dims.slice(1) as number[];
  let shape: Shape3 = rest.length === 1 ? [rest[0], 1, 1] : [rest[0], rest[1], rest[2]];
  let inputLayout: 'NCHW' | 'NHWC' = 'NCHW';

  const layers: LayerDraft[] = [];
  const dropped: string[] = [];
  let quantized = false;
  let lastQuant: ActQuant | undefined;
  let flattened = rest.length === 1;
  let flattenHwc = false;
  let pendingHwc = false;
  let tensor = g.input.name;
  const cur = () => layers[layers.length - 1];

  for (;;) {
    const next = consumers.get(tensor) ?? [];
    if (next.length === 0) break;
    if (next.length > 1) fail(next[1], 'a chain of layers (each tensor used by one node: no branches, residual adds or concats yet)', `tensor ${tensor} used by ${next.map((n) => n.name).join(', ')}`);
    const n = next[0];
    const input = (i: number) => n.inputs[i];
    const constOf = (i: number): ConstValue => consts.get(input(i)) ?? fail(n, `a constant input ${i}`, input(i) ? `tensor ${input(i)}, computed at run time` : 'no such input');
    const op = QONNX_DOMAINS.includes(n.domain) && n.opType === 'Quant' ? 'Quant' : n.opType;
    // Between a Transpose to NHWC and its Flatten only element-wise nodes may stand.
    if (pendingHwc && !['Flatten', 'Reshape', 'Identity', 'Dropout', 'QuantizeLinear', 'DequantizeLinear', 'Quant', 'Relu', 'LeakyRelu'].includes(op)) {
      fail(n, 'a Flatten right after a Transpose to NHWC (only activations and quantization between them)', `op ${n.opType}`);
    }
    switch (op) {
      case 'QuantizeLinear':
      case 'Quant': {
        quantized = true;
        const q = actQuant(n, op, constOf, fail, layers.length === 0);
        if (layers.length > 0 && cur().outQuant && cur().outQuant!.scale !== q.scale && lastQuant) {
          fail(n, `the scale of the layer's output (${cur().outQuant!.scale}) kept until the next layer`, `a requantization to ${q.scale}`);
        }
        lastQuant = q;
        if (layers.length > 0) cur().outQuant = q;
        break;
      }
      case 'DequantizeLinear': {
        const s = constOf(1).values;
        if (!lastQuant || s.length !== 1 || s[0] !== lastQuant.scale) {
          fail(n, 'to dequantize with the scale of the QuantizeLinear before it', lastQuant ? `scale ${[...s].join(', ')} after ${lastQuant.scale}` : 'no QuantizeLinear before it (integer graph inputs are not supported: quantize a float input)');
        }
        break;
      }
      case 'Conv': {
        if (flattened) fail(n, 'conv layers before the flatten', 'a Conv after it');
        const w = constOf(1);
        const group = attrInt(n, 'group', 1);
        const [out, cin, kh, kw] = w.dims;
        const strides = attrInts(n, 'strides', [1, 1]);
        const pads = attrInts(n, 'pads', [0, 0, 0, 0]);
        const dil = attrInts(n, 'dilations', [1, 1]);
        const autoPad = n.attrs.get('auto_pad');
        if (autoPad !== undefined && autoPad !== 'NOTSET') fail(n, 'explicit pads (auto_pad NOTSET)', `auto_pad ${autoPad}`);
        if (group !== 1) fail(n, 'group 1 (depthwise and grouped conv are not supported yet)', `group ${group}`);
        if (w.dims.length !== 4 || kh !== kw) fail(n, 'a square 2-D kernel', `weights [${w.dims.join(', ')}]`);
        if (strides[0] !== strides[1]) fail(n, 'equal strides', `strides [${strides.join(', ')}]`);
        if (new Set(pads).size !== 1) fail(n, 'the same padding on every side', `pads [${pads.join(', ')}]`);
        if (dil.some((d) => d !== 1)) fail(n, 'dilations 1', `[${dil.join(', ')}]`);
        if (cin !== shape[0]) fail(n, `${shape[0]} input channels`, `${cin}`);
        checkChannelAxis(w, 0, n, fail);
        const pad = pads[0];
        const oh = convOutSize(shape[1], kh, strides[0], pad);
        const ow = convOutSize(shape[2], kw, strides[0], pad);
        layers.push({
          kind: 'conv', node: n.name, nodes: [n.name], inShape: shape, weight: w, bias: n.inputs[2] ? constOf(2) : undefined,
          out, kernel: kh, stride: strides[0], pad, relu: false, flattenHwc: false, inQuant: lastQuant, outShape: [out, oh, ow],
        });
        shape = [out, oh, ow];
        break;
      }
      case 'Gemm':
      case 'MatMul': {
        const w = constOf(1);
        const fanIn = shape[0] * shape[1] * shape[2];
        if (!flattened && (shape[1] !== 1 || shape[2] !== 1)) fail(n, 'a Flatten before a fc layer on a feature map', `${op} on [${shape.join(', ')}]`);
        if (op === 'Gemm') {
          if (attrInt(n, 'transA', 0) !== 0 || (n.attrs.has('alpha') && n.attrs.get('alpha') !== 1) || (n.attrs.has('beta') && n.attrs.get('beta') !== 1)) {
            fail(n, 'Gemm with transA 0, alpha 1 and beta 1', `transA ${n.attrs.get('transA') ?? 0}, alpha ${n.attrs.get('alpha') ?? 1}, beta ${n.attrs.get('beta') ?? 1}`);
          }
        }
        const transB = op === 'Gemm' && attrInt(n, 'transB', 0) === 1;
        if (w.dims.length !== 2) fail(n, 'a 2-D weight matrix', `[${w.dims.join(', ')}]`);
        const [out, inF] = transB ? w.dims : [w.dims[1], w.dims[0]];
        if (inF !== fanIn) fail(n, `${fanIn} inputs (the flattened [${shape.join(', ')}])`, `${inF}`);
        checkChannelAxis(w, transB ? 0 : 1, n, fail);
        const weight = transB ? w : transpose2(w);
        const hwc = pendingHwc || flattenHwc;
        layers.push({
          kind: 'fc', node: n.name, nodes: [n.name], inShape: shape, weight: hwc ? hwcToChw(weight, shape) : weight,
          bias: op === 'Gemm' && n.inputs[2] ? vectorBias(constOf(2), out, n, fail) : undefined,
          out, kernel: 1, stride: 1, pad: 0, relu: false, flattenHwc: hwc, inQuant: lastQuant, outShape: [out, 1, 1],
        });
        pendingHwc = false;
        flattenHwc = false;
        shape = [out, 1, 1];
        flattened = true;
        break;
      }
      case 'AveragePool':
      case 'GlobalAveragePool': {
        if (flattened) fail(n, 'pooling before the flatten', `an ${op} after it`);
        const global = op === 'GlobalAveragePool';
        const k = global ? [shape[1], shape[2]] : attrInts(n, 'kernel_shape', []);
        const s = global ? [1, 1] : attrInts(n, 'strides', [1, 1]);
        const pads = attrInts(n, 'pads', [0, 0, 0, 0]);
        if (k.length !== 2 || k[0] !== k[1] || s[0] !== s[1]) fail(n, 'a square window with equal strides', `window [${k.join(', ')}], strides [${s.join(', ')}]`);
        if (pads.some((p) => p !== 0) || attrInt(n, 'ceil_mode', 0) !== 0) fail(n, 'no pool padding and ceil_mode 0', `pads [${pads.join(', ')}], ceil_mode ${attrInt(n, 'ceil_mode', 0)}`);
        if (!Number.isInteger(Math.log2(k[0] * k[0]))) fail(n, 'a window of power-of-two area (2x2, 4x4, 8x8...: its average is an exact shift)', `${k[0]}x${k[0]}`);
        const outShape: Shape3 = [shape[0], poolOutSize(shape[1], k[0], s[0]), poolOutSize(shape[2], k[0], s[0])];
        layers.push({
          kind: 'avgpool', node: n.name, nodes: [n.name], inShape: shape, weight: { dims: [], values: new Float64Array() },
          out: shape[0], kernel: k[0], stride: s[0], pad: 0, relu: false, flattenHwc: false, inQuant: lastQuant, outShape,
        });
        shape = outShape;
        break;
      }
      case 'Add': {
        const other = n.inputs[0] === tensor ? 1 : 0;
        const l = cur();
        if (!l || l.kind === 'avgpool' || l.bias || l.bn || l.relu || l.leak || l.pool || l.outQuant) fail(n, 'a bias Add right after a Conv, Gemm or MatMul without bias', 'an Add elsewhere (residual adds are not supported yet)');
        l.bias = vectorBias(constOf(other), l.out, n, fail);
        l.nodes.push(n.name);
        break;
      }
      case 'BatchNormalization': {
        const l = cur();
        if (!l || l.kind === 'avgpool' || l.bn || l.relu || l.leak || l.pool || l.outQuant) fail(n, 'a BatchNormalization right after a Conv or Gemm (it is folded into its weights)', 'one elsewhere');
        const [scale, b, mean, variance] = [1, 2, 3, 4].map((i) => constOf(i).values);
        const eps = typeof n.attrs.get('epsilon') === 'number' ? (n.attrs.get('epsilon') as number) : 1e-5;
        const mul = new Float64Array(l.out);
        const add = new Float64Array(l.out);
        for (let o = 0; o < l.out; o++) {
          mul[o] = scale[o] / Math.sqrt(variance[o] + eps);
          add[o] = b[o] - mean[o] * mul[o];
        }
        l.bn = { mul, add, node: n.name };
        l.nodes.push(n.name);
        break;
      }
      case 'Relu': {
        if (!cur() || cur().leak) fail(n, 'one activation after a layer', cur() ? 'a Relu after a LeakyRelu' : 'a Relu on the input');
        cur().relu = true;
        cur().nodes.push(n.name);
        break;
      }
      case 'LeakyRelu': {
        const alpha = typeof n.attrs.get('alpha') === 'number' ? (n.attrs.get('alpha') as number) : 0.01;
        const leak = -Math.log2(alpha);
        if (!cur() || cur().relu || cur().leak) fail(n, 'one activation after a layer', 'a LeakyRelu elsewhere');
        if (!Number.isInteger(leak) || leak < 1 || leak > 31) fail(n, 'alpha a power of two from 2^-1 to 2^-31 (negative values are then an exact shift)', `alpha ${alpha}`);
        cur().leak = leak;
        cur().nodes.push(n.name);
        break;
      }
      case 'MaxPool': {
        const l = cur();
        const k = attrInts(n, 'kernel_shape', []);
        const s = attrInts(n, 'strides', [1, 1]);
        const pads = attrInts(n, 'pads', [0, 0, 0, 0]);
        if (!l || l.kind !== 'conv' || l.pool) fail(n, 'one MaxPool after a conv layer', 'a MaxPool elsewhere');
        if (k.length !== 2 || k[0] !== k[1] || s[0] !== s[1]) fail(n, 'a square window with equal strides', `kernel [${k.join(', ')}], strides [${s.join(', ')}]`);
        if (pads.some((p) => p !== 0) || attrInt(n, 'ceil_mode', 0) !== 0) fail(n, 'no pool padding and ceil_mode 0', `pads [${pads.join(', ')}], ceil_mode ${attrInt(n, 'ceil_mode', 0)}`);
        l.pool = { kernel: k[0], stride: s[0], node: n.name };
        l.nodes.push(n.name);
        shape = [shape[0], poolOutSize(shape[1], k[0], s[0]), poolOutSize(shape[2], k[0], s[0])];
        l.outShape = shape;
        break;
      }
      case 'Transpose': {
        const perm = attrInts(n, 'perm', []);
        if (layers.length === 0 && inputLayout === 'NCHW' && perm.join() === '0,3,1,2' && dims.length === 4) {
          inputLayout = 'NHWC';
          const [h, w, c] = rest;
          shape = [c, h, w];
        } else if (perm.join() === '0,2,3,1' && !flattened) {
          pendingHwc = true;
        } else {
          fail(n, 'a Transpose from NHWC at the input (perm [0, 3, 1, 2]) or to NHWC before a Flatten (perm [0, 2, 3, 1])', `perm [${perm.join(', ')}]`);
        }
        break;
      }
      case 'Flatten':
      case 'Reshape': {
        if (op === 'Flatten' && attrInt(n, 'axis', 1) !== 1) fail(n, 'Flatten with axis 1', `axis ${n.attrs.get('axis')}`);
        if (op === 'Reshape') {
          const target = constOf(1).values;
          const total = shape[0] * shape[1] * shape[2];
          if (target.length !== 2 || !(target[1] === -1 || target[1] === total)) fail(n, `a Reshape to [N, ${total}] or [N, -1] (a flatten)`, `shape [${[...target].join(', ')}]`);
        }
        flattened = true;
        flattenHwc = pendingHwc;
        pendingHwc = false;
        break;
      }
      case 'Identity':
      case 'Dropout':
        break;
      case 'Softmax':
      case 'LogSoftmax': {
        if ((consumers.get(n.outputs[0]) ?? []).length > 0) fail(n, `${op} only as the last node`, 'nodes after it');
        dropped.push(`${n.name} (${op}): dropped; it keeps the order of the logits, so the predicted class is the same`);
        break;
      }
      default:
        fail(n, `one of the supported ops: ${SUPPORTED_OPS.join(', ')}`, `op ${n.domain ? `${n.domain}.` : ''}${n.opType}`);
    }
    tensor = n.outputs[0];
  }
  if (layers.length === 0) fail('graph', 'at least one Conv, Gemm or MatMul', 'none on the path from the input to the output');
  if (!g.outputs.includes(tensor)) fail('graph', `a chain from the input to the output ${g.outputs.join(', ')}`, `a path that ends at ${tensor}`);
  return { layers, inputLayout, inputShape: layers[0].inShape, dropped, quantized };
}

function actQuant(n: OnnxNode, op: string, constOf: (i: number) => ConstValue, fail: (n: OnnxNode, e: string, f: string) => never, isInput: boolean): ActQuant {
  const scale = constOf(1).values;
  if (scale.length !== 1) fail(n, 'one scale for the whole activation tensor', `${scale.length} scales`);
  const zp = n.inputs[2] ? constOf(2) : undefined;
  if (zp && zp.values.some((z) => z !== 0)) fail(n, 'zero point 0 (asymmetric activations are not supported yet)', `zero point ${zp.values[0]}`);
  if (op === 'QuantizeLinear') {
    // Without a zero point, QuantizeLinear gives uint8.
    const type = zp ? zp.type ?? 'INT8' : 'UINT8';
    if (type === 'INT8') return { node: n.name, scale: scale[0], lo: -128, hi: 127 };
    if (type === 'INT16') return { node: n.name, scale: scale[0], lo: -32768, hi: 32767 };
    // Unsigned 8-bit images (raw pixels) are taken as they are: the model's inputType uint8.
    if (type === 'UINT8' && isInput) return { node: n.name, scale: scale[0], lo: 0, hi: 255 };
    return fail(n, 'int8 or int16 activations (a zero point of type INT8 or INT16; UINT8 only for the input)', `${type} (unsigned activations inside the network are not supported yet)`);
  }
  const bits = constOf(3).values[0];
  const signed = attrInt(n, 'signed', 1) === 1;
  const narrow = attrInt(n, 'narrow', 0) === 1;
  const mode = (n.attrs.get('rounding_mode') as string | undefined) ?? 'ROUND';
  if (mode !== 'ROUND') fail(n, 'rounding_mode ROUND (to nearest, ties to even)', mode);
  if (narrow) fail(n, 'narrow 0 (the full two\'s-complement range)', 'narrow 1');
  if (signed && (bits === 8 || bits === 16)) return { node: n.name, scale: scale[0], lo: -(2 ** (bits - 1)), hi: 2 ** (bits - 1) - 1 };
  if (!signed && (bits === 7 || bits === 15)) return { node: n.name, scale: scale[0], lo: 0, hi: 2 ** bits - 1 };
  return fail(n, 'signed 8- or 16-bit activations, or unsigned 7- or 15-bit ones after a Relu', `${signed ? 'signed' : 'unsigned'} ${bits}-bit`);
}

function vectorBias(c: ConstValue, out: number, n: OnnxNode, fail: (n: OnnxNode, e: string, f: string) => never): ConstValue {
  const ok = c.values.length === out && c.dims.filter((d) => d !== 1).length <= 1;
  if (!ok) fail(n, `a bias of ${out} values (one per output)`, `a constant of shape [${c.dims.join(', ')}]`);
  return { ...c, dims: [out] };
}

/** Per-channel weight scales must be one per output: axis `outAxis` of the weights as the
 * graph holds them (0 for Conv and Gemm with transB, 1 for MatMul's [in, out]). */
function checkChannelAxis(w: ConstValue, outAxis: number, n: OnnxNode, fail: (n: OnnxNode | string, e: string, f: string) => never): void {
  const q = w.quant;
  if (!q || q.scale.length === 1 || q.axis === outAxis) return;
  fail(`node ${q.node}`, `one weight scale, or one per output channel (axis ${outAxis} of the weights of ${n.opType} ${n.name})`, `scales along axis ${q.axis}`);
}

function transpose2(c: ConstValue): ConstValue {
  const [r, k] = c.dims;
  const t = (v: Float64Array) => {
    const o = new Float64Array(v.length);
    for (let i = 0; i < r; i++) for (let j = 0; j < k; j++) o[j * r + i] = v[i * k + j];
    return o;
  };
  // Per-channel scales stay with their channels: they are on the new axis 0.
  return { dims: [k, r], values: t(c.values), quant: c.quant && { ...c.quant, ints: t(c.quant.ints), axis: 0 } };
}

/** fc weight columns from the graph's H, W, C flatten order to C, H, W. */
function hwcToChw(c: ConstValue, [C, H, W]: Shape3): ConstValue {
  const [out, fanIn] = c.dims;
  const p = (v: Float64Array) => {
    const o = new Float64Array(v.length);
    for (let r = 0; r < out; r++) {
      for (let ch = 0; ch < C; ch++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) o[r * fanIn + (ch * H + y) * W + x] = v[r * fanIn + (y * W + x) * C + ch];
    }
    return o;
  };
  return { dims: c.dims, values: p(c.values), quant: c.quant && { ...c.quant, ints: p(c.quant.ints) } };
}

function attrInt(n: OnnxNode, name: string, fallback: number): number {
  const v: AttrValue = n.attrs.get(name);
  return typeof v === 'number' ? v : fallback;
}

function attrInts(n: OnnxNode, name: string, fallback: number[]): number[] {
  const v: AttrValue = n.attrs.get(name);
  return Array.isArray(v) ? v : fallback;
}

/** Values of the constant subgraphs: initializers, and DequantizeLinear or Quant of them. */
function evaluateConstants(g: OnnxGraph, fail: (n: OnnxNode, e: string, f: string) => never): Map<string, ConstValue> {
  const out = new Map<string, ConstValue>();
  for (const [name, t] of g.constants) out.set(name, { dims: t.dims, values: t.data, type: t.type });
  const typeOf = (name: string) => g.constants.get(name)?.type;
  let changed = true;
  while (changed) {
    changed = false;
    for (const n of g.nodes) {
      if (out.has(n.outputs[0]) || !n.inputs.filter(Boolean).every((i) => out.has(i))) continue;
      const isQuant = n.opType === 'Quant' && QONNX_DOMAINS.includes(n.domain);
      if (n.opType === 'DequantizeLinear' || isQuant) {
        const needed = isQuant ? 4 : 2;
        if (n.inputs.filter(Boolean).length < needed) fail(n, `${needed} inputs (${isQuant ? 'x, scale, zero point, bit width' : 'x, scale'})`, `${n.inputs.filter(Boolean).length}`);
        const x = out.get(n.inputs[0])!;
        const scaleConst = out.get(n.inputs[1])!;
        const scale = [...scaleConst.values];
        const zeroPoint = n.inputs[2] ? [...out.get(n.inputs[2])!.values] : [0];
        const axis = isQuant ? broadcastAxis(scaleConst.dims, x.dims, n, fail) : attrAxis(n, x.dims.length);
        if (scale.length > 1 && scale.length !== x.dims[axis]) fail(n, `one scale, or one per index of axis ${axis} (${x.dims[axis]})`, `${scale.length} scales`);
        if (zeroPoint.length > 1 && zeroPoint.length !== scale.length) fail(n, `one zero point, or one per scale (${scale.length})`, `${zeroPoint.length} zero points`);
        // Index of element i along the scale's axis (row-major).
        const stride = x.dims.slice(axis + 1).reduce((a, b) => a * b, 1);
        const at = (i: number) => (scale.length > 1 ? Math.floor(i / stride) % scale.length : 0);
        const ints = new Float64Array(x.values.length);
        const values = new Float64Array(x.values.length);
        let type = typeOf(n.inputs[0]) ?? 'INT8';
        if (isQuant) {
          const bits = out.get(n.inputs[3])!.values[0];
          const signed = attrInt(n, 'signed', 1) === 1;
          const narrow = attrInt(n, 'narrow', 0) === 1;
          const lo = signed ? -(2 ** (bits - 1)) + (narrow ? 1 : 0) : 0;
          const hi = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1 - (narrow ? 1 : 0);
          type = `${signed ? 'INT' : 'UINT'}${bits}`;
          for (let i = 0; i < ints.length; i++) ints[i] = Math.min(hi, Math.max(lo, roundHalfEven(x.values[i] / scale[at(i)]) + zeroPoint[zeroPoint.length > 1 ? at(i) : 0]));
        } else {
          ints.set(x.values);
        }
        for (let i = 0; i < ints.length; i++) values[i] = (ints[i] - zeroPoint[zeroPoint.length > 1 ? at(i) : 0]) * scale[at(i)];
        out.set(n.outputs[0], { dims: x.dims, values, quant: { ints, scale, zeroPoint, axis, type, node: n.name } });
        changed = true;
      }
    }
  }
  return out;
}

/** DequantizeLinear's axis attribute (default 1, negative counts from the end). */
function attrAxis(n: OnnxNode, rank: number): number {
  const axis = attrInt(n, 'axis', 1);
  return axis < 0 ? axis + rank : axis;
}

/** The axis a QONNX Quant's scale varies along, from its shape broadcast against x's (numpy
 * rules: aligned at the right); 0 for a scalar scale. One varying axis at most. */
function broadcastAxis(scaleDims: number[], xDims: number[], n: OnnxNode, fail: (n: OnnxNode, e: string, f: string) => never): number {
  const offset = xDims.length - scaleDims.length;
  const varying = scaleDims.flatMap((d, i) => (d !== 1 ? [i + offset] : []));
  if (varying.length > 1 || varying.some((a) => a < 0)) fail(n, `one scale, or one per channel of one axis (e.g. [out, 1, 1, 1] for weights [${xDims.join(', ')}])`, `a scale of shape [${scaleDims.join(', ')}]`);
  return varying[0] ?? 0;
}

export function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}
