import { describe, expect, it } from 'vitest';
import { compileWorkload } from '../compiler/compile.ts';
import { loadConfig } from '../config/resolve.ts';
import { goldenForward } from '../golden/golden.ts';
import { naiveForward } from '../golden/naive.ts';
import { elementCount, layerShapes, parseModel, type Shape3 } from '../model/model.ts';
import { randomInput, randomWeights, Rng } from '../model/random.ts';
import { layerType, layerTypeNames, LAYER_TYPES } from './registry.ts';

// Every registered layer type goes through the same checks, so a new one is tested as soon as it
// is listed: its random layers parse, golden agrees with the naive reference bit for bit, output
// files have the declared dimensions, and the compiler plans and lays it out.
describe('layer type registry', () => {
  const cfg = loadConfig({ preset: 'tiny' });

  it('lists each type under its own name with the fields every layer has', () => {
    for (const [name, type] of Object.entries(LAYER_TYPES)) {
      expect(type.type).toBe(name);
      for (const key of ['name', 'type', 'out', 'shift', 'relu', 'rounding']) expect(type.keys).toContain(key);
      expect(type.accepts.length).toBeGreaterThan(0);
    }
  });

  for (const name of layerTypeNames()) {
    it(`${name}: random layers agree with the naive reference and compile`, () => {
      const type = layerType(name);
      const rng = new Rng(0x5eed + name.length);
      let checked = 0;
      // Layers sampled half to even, and those whose outputs half up would have changed.
      let halfEven = 0;
      let roundingMatters = 0;
      for (let trial = 0; trial < 40; trial++) {
        const input: Shape3 = [rng.int(1, 6), rng.int(1, 9), rng.int(1, 9)];
        const first = type.sample(rng, input, 'a');
        if (!first) continue;
        const layers = [first];
        // A second layer of the same type where it can follow itself: the shapes chain.
        if (type.accepts.includes(type.produces)) {
          const model = parseModel({ name: 'm', input, layers }, 'sample.json');
          const second = type.sample(rng, layerShapes(model)[0].outShape, 'b');
          if (second) layers.push(second);
        }
        const bits = rng.int(0, 1) ? 8 : 16;
        const model = parseModel({ name: 'm', bits, input, layers }, 'sample.json');
        const batch = rng.int(1, 3);
        const weights = randomWeights(model, trial);
        const x = randomInput(model, batch, trial);
        const golden = goldenForward(model, weights, x);
        expect(golden).toEqual(naiveForward(model, weights, x));
        const halfUp = goldenForward({ ...model, layers: model.layers.map(({ rounding: _r, ...l }) => l) }, weights, x);
        model.layers.forEach((layer, l) => {
          if (layer.rounding !== 'half-even') return;
          halfEven++;
          if (golden[l].some((v, i) => v !== halfUp[l][i])) roundingMatters++;
        });
        const shapes = layerShapes(model);
        model.layers.forEach((layer, l) => {
          expect(golden[l].length).toBe(batch * elementCount(type.outputDims(layer, shapes[l])));
          expect(elementCount(shapes[l].weightShape)).toBe(weights.get(layer.name)!.weight.data.length);
        });
        if (bits === 8) {
          const program = compileWorkload([{ name: 'j', model, weights, input: x, batch }], cfg);
          expect(program.totalMacs).toBe(shapes.reduce((s, sh) => s + sh.macsPerImage, 0) * batch);
          expect(new Set(program.tasks.map((t) => t.layer)).size).toBe(layers.length);
          // Each task's descriptor says how its layer rounds.
          program.tasks.forEach((t, i) => expect(program.descriptors[i].round_even).toBe(model.layers[t.layer].rounding === 'half-even' ? 1 : 0));
          program.tasks.forEach((t, i) => expect(program.descriptors[i].leak).toBe(model.layers[t.layer].leak ?? 0));
        }
        checked++;
      }
      expect(checked).toBeGreaterThanOrEqual(20);
      expect(halfEven).toBeGreaterThanOrEqual(5);
      expect(roundingMatters).toBeGreaterThanOrEqual(2);
    });
  }
});
