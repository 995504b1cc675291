import { describe, expect, it } from 'vitest';
import { Bundle } from './bundle.ts';
import { renderExpr } from './module.ts';

const handshake = new Bundle('handshake', [
  { name: 'req_data', width: 8 },
  { name: 'req_valid', width: 1 },
  { name: 'req_ready', width: 1, flip: true },
]);

describe('bundles', () => {
  it('gives each side its ports: the master drives the unflipped signals, the slave the flipped', () => {
    expect(handshake.ports('master')).toEqual([
      { name: 'req_data_o', dir: 'output', width: 8 },
      { name: 'req_valid_o', dir: 'output', width: 1 },
      { name: 'req_ready_i', dir: 'input', width: 1 },
    ]);
    expect(handshake.ports('slave', { prefix: 's_', count: 3, vector: true })).toEqual([
      { name: 's_req_data_i', dir: 'input', width: 24, vector: true },
      { name: 's_req_valid_i', dir: 'input', width: 3, vector: true },
      { name: 's_req_ready_o', dir: 'output', width: 3, vector: true },
    ]);
  });

  it('connects a run of elements of packed wires', () => {
    const c = handshake.elements('master', (s) => `all_${s.name}`, 1, 2);
    const widths = new Map([['all_req_data', 32], ['all_req_valid', 4], ['all_req_ready', 4]]);
    const text = Object.fromEntries(Object.entries(c).map(([k, e]) => [k, renderExpr(e, (n) => widths.get(n))]));
    expect(text).toEqual({ req_data_o: 'all_req_data[23:8]', req_valid_o: 'all_req_valid[2:1]', req_ready_i: 'all_req_ready[2:1]' });
  });
});
