// The dynamic-reconfiguration controller, composed in the DSL from its parts: the descriptor
// fetch (task list -> descriptor RAM and window), the window (fetched tasks in program order,
// their dependency waits), and the scheduler (policy, dispatch, descriptor stream, completion,
// run state and faults). The dependency counters and the trace unit are blocks of their own
// beside it (the top level connects them).
import { descriptorFields, fieldBitOffset, OPCODE_END, OPCODE_LAYER } from '../../arch/descriptor.ts';
import { FAULT_CODES, faultParamName } from '../../arch/faults.ts';
import { axiRead, inp, inpVec, out, outVec, readPorts, type LeafModule } from '../../arch/leaves.ts';
import { depControllerPort, depLink } from '../dep-counters/block.ts';
import { ram } from '../ram/block.ts';
import type { HwParams } from '../../arch/params.ts';
import { FALLBACK_POLICY, POLICY_BITS, POLICY_TABLE, policyParamName } from '../../arch/policies.ts';
import { TRACE_FIELDS, traceSignalName } from '../../arch/trace-record.ts';
import { ModuleBuilder, cat, ref, type PortDef, type StructuralModule } from '../../dsl/module.ts';
import { InternalError } from '../../errors.ts';
import { siblingTemplate } from '../../emit/templates.ts';

/** A window field: where it arrives (bus beat and bit) and its width. */
interface WindowField {
  name: string;
  width: number;
  beat: number;
  bit: number;
}

function place(p: HwParams, name: string): WindowField {
  const f = descriptorFields.find((x) => x.name === name);
  if (!f) throw new InternalError(`controller: no descriptor field "${name}"`);
  return { name, width: f.width, beat: Math.floor(fieldBitOffset(f) / p.busBits), bit: fieldBitOffset(f) % p.busBits };
}

/** The controller's ports (the top level connects these). */
export function controllerPorts(p: HwParams, engines: number): PortDef[] {
  return [
    inp('clk_i'),
    inp('rst_ni'),
    inp('start_i'),
    inp('policy_i', POLICY_BITS),
    inp('static_log_i', 3),
    inp('task_base_i', p.addrBits),
    out('busy_o'),
    out('error_code_o', 8),
    out('tasks_done_o', 32),
    outVec('eng_start_o', engines),
    outVec('eng_desc_we_o', engines),
    out('eng_desc_idx_o', p.descBeatBits),
    out('eng_desc_data_o', p.busBits),
    out('eng_group_size_o', 8),
    out('eng_member_o', engines * 8),
    out('eng_leader_o', engines * p.engineBits),
    outVec('eng_bulk_o', engines),
    out('eng_abort_o'),
    inpVec('eng_busy_i', engines),
    inpVec('eng_bad_desc_i', engines),
    inpVec('eng_bus_error_i', engines),
    ...readPorts(p),
    // To the dependency counters (sf_dep_counters) and back.
    ...depLink(p).map((l) => (l.toCounters ? out : inp)(depControllerPort(l), l.width)),
    // To the trace unit, when it is built: each completed task's record, by the table.
    ...(p.trace
      ? [
          inp('cycle_i', 32),
          out('trace_push_o'),
          ...TRACE_FIELDS.map((f) => out(`${traceSignalName(f)}_o`, 32)),
          inp('trace_full_i'),
          inp('trace_idle_i'),
          inp('trace_fault_i'),
        ]
      : []),
  ];
}

export interface ControllerBlock {
  leaves: LeafModule[];
  controller: StructuralModule;
}

export function buildController(p: HwParams, engines: number): ControllerBlock {
  const descRam = ram('sf_sdp_ram_desc', 'Descriptor store: the controller\'s window of task descriptors, one bus beat a word.', p.busBits, p.windowSlots * p.descBeats);
  const multiEngine = engines > 1;
  const opcode = place(p, 'opcode');
  if (opcode.beat !== 0) throw new InternalError('controller: the opcode must arrive in the first beat of a descriptor');
  // Fields the window keeps per entry (the descriptors themselves stay in the RAM). With several
  // engines, `images` too: a task over several images spreads its (image, m-block) units, so its
  // m-block count does not cap its engines.
  const waitFields = ['wait_id', 'wait_en', 'wait_count'];
  // The scheduler reads the oldest ready entry's fields (for its engine count), the candidate's
  // bulk flag, and the streamed entry's task word and counter.
  const oldestNames = ['pref_engines', 'bulk', 'm_count', ...(multiEngine ? ['images'] : [])];
  const streamNames = [...(p.trace ? ['task_id'] : []), 'signal_id'];
  const windowFields = descriptorFields.filter((f) => [...waitFields, ...oldestNames, ...streamNames].includes(f.name)).map((f) => place(p, f.name));
  const oldestFields = windowFields.filter((f) => oldestNames.includes(f.name));
  const streamFields = windowFields.filter((f) => streamNames.includes(f.name));
  const bulkWidth = windowFields.find((f) => f.name === 'bulk')!.width;
  const schedReads = [
    ...oldestFields.map((f) => ({ port: `oldest_${f.name}`, width: f.width })),
    { port: 'cand_bulk', width: bulkWidth },
    ...streamFields.map((f) => ({ port: `stream_${f.name}`, width: f.width })),
  ];
  // Checked as a layer descriptor arrives: a task without m-blocks could never be given an
  // engine, and counter numbers must name one of the counters.
  const mCount = place(p, 'm_count');
  const zeroChecks = [{ beat: mCount.beat, bit: mCount.bit, width: mCount.width }];
  const upperChecks = ['signal_id', 'wait_id']
    .map((name) => place(p, name))
    .filter((f) => f.width > p.counterBits)
    .map((f) => ({ beat: f.beat, bit: f.bit + p.counterBits, width: f.width - p.counterBits }));

  const common: [string, number][] = [
    ['DESC_BEAT_W', p.descBeatBits],
    ['WIN_W', p.windowBits],
  ];
  const fetch: LeafModule = {
    name: 'sf_ctrl_fetch',
    synthInline: true,
    doc: 'Controller descriptor fetch: the task list into the descriptor RAM and the window, in program order.',
    template: siblingTemplate(import.meta.url, 'sf_ctrl_fetch.sv.hbs'),
    localparams: [
      ['AW', p.addrBits],
      ['LOG_BUS_BYTES', p.logBusBytes],
      ['DESC_BYTES', p.descBits / 8],
      ['DESC_BURST', p.descBurst],
      ['OPCODE_BIT', opcode.bit],
      ['OPCODE_W', opcode.width],
      ['DESC_BEATS', p.descBeats],
      ...common,
    ],
    context: { opcodeEnd: OPCODE_END, opcodeLayer: OPCODE_LAYER, zeroChecks, upperChecks },
    ports: [
      inp('clk_i'),
      inp('rst_ni'),
      inp('start_i'),
      inp('running_i'),
      inp('stopping_i'),
      inp('task_base_i', p.addrBits),
      inp('have_free_slot_i'),
      inp('free_slot_i', p.windowBits),
      ...readPorts(p),
      out('beat_o'),
      out('beat_slot_o', p.windowBits),
      out('beat_idx_o', p.descBeatBits),
      out('commit_o'),
      out('idle_o'),
      out('done_o'),
      out('bus_fault_o'),
      out('bad_descriptor_o'),
      out('bad_opcode_o'),
    ],
  };

  const dep = (name: string) => depLink(p).find((l) => l.name === name)!;
  const window: LeafModule = {
    name: 'sf_ctrl_window',
    synthInline: true,
    doc: 'Controller window: fetched tasks in program order, their fields and dependency waits.',
    template: siblingTemplate(import.meta.url, 'sf_ctrl_window.sv.hbs'),
    localparams: [...common, ['WIN', p.window], ['CNT_W', p.counterBits]],
    context: { fields: windowFields, oldestFields, streamFields },
    ports: [
      inp('clk_i'),
      inp('rst_ni'),
      inp('clear_i'),
      inp('running_i'),
      inp('beat_i'),
      inp('beat_slot_i', p.windowBits),
      inp('beat_idx_i', p.descBeatBits),
      inp('beat_data_i', p.busBits),
      inp('commit_i'),
      inp('release_i'),
      inp('release_slot_i', p.windowBits),
      inp('inc_i'),
      ...['written', 'written_counter', 'written_value', 'found', 'found_slot', 'found_value'].map((n) => inp(`dep_${n}_i`, dep(n).width)),
      out('dep_lookup_o'),
      out('dep_lookup_counter_o', p.counterBits),
      out('dep_lookup_slot_o', p.windowBits),
      outVec('valid_o', p.window),
      outVec('ready_o', p.window),
      out('head_o', p.windowBits),
      out('have_head_o'),
      out('oldest_ready_o', p.windowBits),
      out('have_ready_o'),
      out('free_slot_o', p.windowBits),
      out('have_free_slot_o'),
      out('settling_o'),
      inp('cand_i', p.windowBits),
      inp('stream_slot_i', p.windowBits),
      ...schedReads.map((r) => out(`${r.port}_o`, r.width)),
    ],
  };

  const sched: LeafModule = {
    name: 'sf_ctrl_sched',
    synthInline: true,
    doc: 'Controller scheduler: policies, dispatch, descriptor stream, completion, run state and faults.',
    template: siblingTemplate(import.meta.url, 'sf_ctrl_sched.sv.hbs'),
    localparams: [
      ...common,
      ['DESC_BEATS', p.descBeats],
      ['WIN', p.window],
      ['POLICY_BITS', POLICY_BITS],
      ['NE', engines],
      ['LOG_NE', Math.floor(Math.log2(engines))],
      ['LW', p.engineBits],
      ['CNT_W', p.counterBits],
    ],
    context: {
      trace: p.trace,
      multiEngine,
      faults: FAULT_CODES.map((f) => ({ param: faultParamName(f), code: f.code })),
      policies: POLICY_TABLE.map((x) => ({ param: policyParamName(x.name), code: x.code })),
      fallbackPolicy: policyParamName(FALLBACK_POLICY),
    },
    ports: [
      // The controller's own ports but the fetch's (the read port, the task base), the
      // window's (counter lookups and results) and the descriptor RAM's data.
      ...controllerPorts(p, engines).filter(
        (x) => !/^(ar_|r_|dep_lookup|dep_found)/.test(x.name) &&
          !['task_base_i', 'eng_desc_data_o', 'dep_written_counter_i', 'dep_written_value_i'].includes(x.name),
      ),
      inpVec('win_valid_i', p.window),
      inpVec('ready_i', p.window),
      inp('head_i', p.windowBits),
      inp('have_head_i'),
      inp('oldest_ready_i', p.windowBits),
      inp('have_ready_i'),
      inp('dep_settling_i'),
      ...schedReads.map((r) => inp(`${r.port}_i`, r.width)),
      inp('fetch_idle_i'),
      inp('fetch_done_i'),
      inp('fetch_bus_fault_i'),
      inp('fetch_bad_descriptor_i'),
      inp('fetch_bad_opcode_i'),
      out('cand_o', p.windowBits),
      out('running_o'),
      out('stopping_o'),
      out('release_o'),
      out('release_slot_o', p.windowBits),
      out('desc_re_o'),
      out('desc_raddr_slot_o', p.windowBits),
      out('desc_raddr_beat_o', p.descBeatBits),
    ],
  };

  // The descriptor RAM holds window entry s's beat b at word {s, b}.
  const ramAddrBits = descRam.ports.find((x) => x.name === 'waddr_i')!.width;
  if (ramAddrBits !== p.windowBits + p.descBeatBits) throw new InternalError(`controller: the descriptor RAM's ${ramAddrBits} address bits are not {slot, beat}`);

  const c = new ModuleBuilder('sf_controller', 'Dynamic reconfiguration controller: task window, dependencies, policies, engine groups, trace.');
  const port = c.addPorts(controllerPorts(p, engines));
  const w = (name: string, width = 1, doc?: string) => c.wire(name, width, doc);
  const running = w('running');
  const stopping = w('stopping');
  const beat = w('fetch_beat', 1, 'a descriptor beat arrives');
  const beatSlot = w('fetch_slot', p.windowBits);
  const beatIdx = w('fetch_beat_idx', p.descBeatBits);
  const commit = w('fetch_commit', 1, 'a layer descriptor arrived whole: its entry turns valid');
  const fetchIdle = w('fetch_idle');
  const fetchDone = w('fetch_done', 1, 'the END descriptor was fetched');
  const fetchBusFault = w('fetch_bus_fault');
  const fetchBadDescriptor = w('fetch_bad_descriptor');
  const fetchBadOpcode = w('fetch_bad_opcode');
  const freeSlot = w('free_slot', p.windowBits);
  const haveFreeSlot = w('have_free_slot');
  const release = w('win_release', 1, 'the dispatched descriptor has been streamed: its entry is free');
  const releaseSlot = w('win_release_slot', p.windowBits);
  const winValid = w('win_valid', p.window);
  const ready = w('win_ready', p.window);
  const head = w('win_head', p.windowBits);
  const haveHead = w('win_have_head');
  const oldestReady = w('win_oldest_ready', p.windowBits);
  const haveReady = w('win_have_ready');
  const settling = w('dep_settling', 1, 'a lookup or an increment of the dependency counters is under way');
  const descRe = w('desc_re');
  const descSlot = w('desc_raddr_slot', p.windowBits);
  const descBeat = w('desc_raddr_beat', p.descBeatBits);
  const cand = w('win_cand', p.windowBits, 'the entry the scheduler would dispatch');
  for (const r of schedReads) w(`win_${r.port}`, r.width);

  c.instance(fetch, 'u_fetch', {
    clk_i: port.clk_i,
    rst_ni: port.rst_ni,
    start_i: port.start_i,
    running_i: running,
    stopping_i: stopping,
    task_base_i: port.task_base_i,
    have_free_slot_i: haveFreeSlot,
    free_slot_i: freeSlot,
    ...axiRead(p).connect('master', (sig) => ref(axiRead(p).portName(sig, 'master'))),
    beat_o: beat,
    beat_slot_o: beatSlot,
    beat_idx_o: beatIdx,
    commit_o: commit,
    idle_o: fetchIdle,
    done_o: fetchDone,
    bus_fault_o: fetchBusFault,
    bad_descriptor_o: fetchBadDescriptor,
    bad_opcode_o: fetchBadOpcode,
  });

  c.instance(window, 'u_window', {
    clk_i: port.clk_i,
    rst_ni: port.rst_ni,
    clear_i: port.dep_clear_o,
    running_i: running,
    beat_i: beat,
    beat_slot_i: beatSlot,
    beat_idx_i: beatIdx,
    beat_data_i: port.r_data_i,
    commit_i: commit,
    release_i: release,
    release_slot_i: releaseSlot,
    inc_i: port.dep_inc_o,
    ...Object.fromEntries(['written', 'written_counter', 'written_value', 'found', 'found_slot', 'found_value'].map((n) => [`dep_${n}_i`, ref(`dep_${n}_i`)])),
    dep_lookup_o: port.dep_lookup_o,
    dep_lookup_counter_o: port.dep_lookup_counter_o,
    dep_lookup_slot_o: port.dep_lookup_slot_o,
    valid_o: winValid,
    ready_o: ready,
    head_o: head,
    have_head_o: haveHead,
    oldest_ready_o: oldestReady,
    have_ready_o: haveReady,
    free_slot_o: freeSlot,
    have_free_slot_o: haveFreeSlot,
    settling_o: settling,
    cand_i: cand,
    stream_slot_i: descSlot,
    ...Object.fromEntries(schedReads.map((r) => [`${r.port}_o`, ref(`win_${r.port}`)])),
  });

  const schedPorts = sched.ports.map((x) => x.name);
  c.instance(sched, 'u_sched', {
    ...Object.fromEntries(schedPorts.filter((n) => n in port).map((n) => [n, port[n]])),
    win_valid_i: winValid,
    ready_i: ready,
    head_i: head,
    have_head_i: haveHead,
    oldest_ready_i: oldestReady,
    have_ready_i: haveReady,
    dep_settling_i: settling,
    ...Object.fromEntries(schedReads.map((r) => [`${r.port}_i`, ref(`win_${r.port}`)])),
    fetch_idle_i: fetchIdle,
    fetch_done_i: fetchDone,
    fetch_bus_fault_i: fetchBusFault,
    fetch_bad_descriptor_i: fetchBadDescriptor,
    fetch_bad_opcode_i: fetchBadOpcode,
    cand_o: cand,
    running_o: running,
    stopping_o: stopping,
    release_o: release,
    release_slot_o: releaseSlot,
    desc_re_o: descRe,
    desc_raddr_slot_o: descSlot,
    desc_raddr_beat_o: descBeat,
  });

  c.instance(descRam, 'u_desc_ram', {
    clk_i: port.clk_i,
    we_i: beat,
    waddr_i: cat(beatSlot, beatIdx),
    wdata_i: port.r_data_i,
    re_i: descRe,
    raddr_i: cat(descSlot, descBeat),
    rdata_o: port.eng_desc_data_o,
  });

  return { leaves: [descRam, fetch, window, sched], controller: c.build() };
}
