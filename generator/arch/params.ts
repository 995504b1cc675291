// Every width and depth of the hardware, derived once from the resolved config.
import type { ResolvedConfig } from '../config/resolve.ts';
import { MIN_PIXEL_SLOTS } from '../config/resolve.ts';
import { DESC_BYTES } from './descriptor.ts';
import { traceRecordBytes } from './regmap.ts';

/** The multiplier kinds of config pe.multiplier. */
export type MultiplierKind = ResolvedConfig['pe']['multiplier'];

export interface HwParams {
  addrBits: number;
  busBits: number;
  busBytes: number;
  logBusBytes: number;
  tn: number;
  tm: number;
  logTm: number;
  dataBits: number;
  prodBits: number;
  /** MACs multiply with a Booth multiplier in logic rather than an inferred product. */
  /** The PE array's multipliers (config pe.multiplier): each kind is a leaf in blocks/pe-array. */
  multiplier: MultiplierKind;
  /** Width of the tile and loop fields and counters, from the buffer depths: every pixel,
   * kernel position, input-buffer word and weight beat of a tile counts below 2^(loopBits-1). */
  loopBits: number;
  /** Output values the writer post-processes per cycle. */
  postLanes: number;
  /** Address widths of the buffers, including the slot bit of the double-buffered ones. */
  inAddrBits: number;
  wAddrBits: number;
  accAddrBits: number;
  accDepth: number;
  wDepth: number;
  inDepth: number;
  biasBeats: number;
  biasIdxBits: number;
  /** Read ports of each engine's loader, each on its own memory channel: as many as there are
   * channels, but each port owns whole bias beats of weight banks (tm / loadPorts banks). */
  loadPorts: number;
  /** Weight banks each load port fills. */
  portBanks: number;
  maxBurst: number;
  loadFifoDepth: number;
  writeLenDepth: number;
  writeDataDepth: number;
  minSlots: number;
  descBits: number;
  descBeats: number;
  /** Width of a descriptor beat index (at least 1). */
  descBeatBits: number;
  descBurst: number;
  traceBits: number;
  traceBeats: number;
  traceBytes: number;
  /** Read requesters (the controller, then each engine's load ports) and write requesters (the
   * controller, then each engine); the AXI ID width that numbers a channel's requesters, and the
   * slots (2^idBits) each channel has for them. */
  readRequesters: number;
  writeRequesters: number;
  idBits: number;
  channelSlots: number;
  /** Bulk read bursts the crossbar lets in flight on a channel: enough longest bursts to cover
   * the memory latency (the testbench's 20 cycles and more). */
  bulkBursts: number;
  engines: number;
  channels: number;
  /** Width of a channel number and of an engine number (at least 1). */
  chanBits: number;
  engineBits: number;
  window: number;
  /** Width of a window slot number (at least 1). */
  windowBits: number;
  /** The controller has a trace unit. */
  trace: boolean;
  /** Window entries rounded up to a power of two: the descriptor RAM is addressed {slot, beat}. */
  windowSlots: number;
  counters: number;
  /** Width of a dependency counter number. */
  counterBits: number;
  traceQueue: number;
}

export function clog2(n: number): number {
  let bits = 0;
  while (2 ** bits < n) bits++;
  return bits;
}

/** Read ports per engine (see HwParams.loadPorts); the compiler lays weights out port by port. */
export function loadPorts(cfg: ResolvedConfig): number {
  const biasPerBeat = cfg.busBits / 32;
  return Math.max(1, Math.min(cfg.memory.channels, cfg.pe.tm / biasPerBeat));
}

/** The memory channel of engine e's load port c: engines' port 0 (input tiles, and the engine's
 * writes) spread over the channels, and each engine's ports over distinct channels. */
export function portChannel(p: Pick<HwParams, 'loadPorts' | 'channels'>, engine: number, port: number): number {
  const n = p.loadPorts;
  return (engine * n + port + Math.floor((engine * n) / p.channels)) % p.channels;
}

/**
 * The crossbar's fixed map. Read requesters: 0 the controller, 1 + e * loadPorts + c engine e's
 * port c; write requesters: 0 the controller, 1 + e engine e (on its port 0's channel). Per
 * channel, the requesters of its slots (the slot is the AXI ID); the controller is on channel 0.
 */
export function crossbarMap(p: Pick<HwParams, 'loadPorts' | 'channels' | 'engines'>): { read: number[][]; write: number[][] } {
  const read: number[][] = Array.from({ length: p.channels }, (_, c) => (c === 0 ? [0] : []));
  const write: number[][] = Array.from({ length: p.channels }, (_, c) => (c === 0 ? [0] : []));
  for (let e = 0; e < p.engines; e++) {
    for (let port = 0; port < p.loadPorts; port++) read[portChannel(p, e, port)].push(1 + e * p.loadPorts + port);
    write[portChannel(p, e, 0)].push(1 + e);
  }
  return { read, write };
}

export function hwParams(cfg: ResolvedConfig): HwParams {
  const busBits = cfg.busBits;
  const descBits = DESC_BYTES * 8;
  const descBeats = descBits / busBits;
  const traceBytes = traceRecordBytes(cfg);
  const ports = loadPorts(cfg);
  const map = crossbarMap({ loadPorts: ports, channels: cfg.memory.channels, engines: cfg.engines });
  const idBits = Math.max(1, clog2(Math.max(...map.read.map((r) => r.length), ...map.write.map((w) => w.length))));
  const biasBeats = (cfg.pe.tm * 32) / busBits;
  return {
    addrBits: cfg.memory.addressBits,
    busBits,
    busBytes: busBits / 8,
    logBusBytes: clog2(busBits / 8),
    tn: cfg.pe.tn,
    tm: cfg.pe.tm,
    logTm: clog2(cfg.pe.tm),
    dataBits: cfg.dataBits,
    prodBits: 2 * cfg.dataBits,
    multiplier: cfg.pe.multiplier,
    postLanes: cfg.pe.postLanes ?? cfg.pe.tn,
    loopBits: Math.min(16, Math.max(9, clog2(Math.max(cfg.buffers.inputWords, cfg.buffers.accWords, cfg.buffers.weightWords * cfg.pe.tm) + 1) + 1)),
    inAddrBits: clog2(cfg.buffers.inputWords) + 1,
    wAddrBits: clog2(cfg.buffers.weightWords) + 1,
    accAddrBits: clog2(cfg.buffers.accWords),
    accDepth: cfg.buffers.accWords,
    wDepth: cfg.buffers.weightWords,
    inDepth: cfg.buffers.inputWords,
    biasBeats,
    biasIdxBits: Math.max(1, clog2(biasBeats)),
    loadPorts: ports,
    portBanks: cfg.pe.tm / ports,
    maxBurst: cfg.memory.maxBurst,
    loadFifoDepth: cfg.memory.maxOutstanding,
    writeLenDepth: 8,
    writeDataDepth: Math.max(16, 2 * cfg.memory.maxBurst),
    minSlots: MIN_PIXEL_SLOTS,
    descBits,
    descBeats,
    descBeatBits: Math.max(1, clog2(descBeats)),
    descBurst: Math.min(descBeats, cfg.memory.maxBurst),
    traceBits: traceBytes * 8,
    traceBeats: (traceBytes * 8) / busBits,
    traceBytes,
    readRequesters: 1 + cfg.engines * ports,
    writeRequesters: 1 + cfg.engines,
    idBits,
    channelSlots: 2 ** idBits,
    bulkBursts: Math.max(2, Math.ceil(64 / cfg.memory.maxBurst) + 1),
    engines: cfg.engines,
    channels: cfg.memory.channels,
    chanBits: Math.max(1, clog2(cfg.memory.channels)),
    engineBits: Math.max(1, clog2(cfg.engines)),
    window: cfg.controller.window,
    windowBits: Math.max(1, clog2(cfg.controller.window)),
    trace: cfg.controller.trace,
    windowSlots: 2 ** clog2(cfg.controller.window),
    counters: cfg.controller.counters,
    counterBits: clog2(cfg.controller.counters),
    traceQueue: 4,
  };
}
