// Elaborates a whole accelerator from a resolved config: the hardware parameters, the register
// map, and the blocks (generator/blocks/*), each of which declares its modules and composes them
// in the DSL; the top level connects the blocks.
import type { ResolvedConfig } from '../config/resolve.ts';
import type { StructuralModule } from '../dsl/module.ts';
import { buildController } from '../blocks/controller/block.ts';
import { buildCsr } from '../blocks/csr/block.ts';
import { depCountersLeaves } from '../blocks/dep-counters/block.ts';
import { buildEngine } from '../blocks/engine/block.ts';
import { buildGroupBus } from '../blocks/group-bus/block.ts';
import { traceUnitLeaves } from '../blocks/trace-unit/block.ts';
import { buildXbar } from '../blocks/xbar/block.ts';
import type { LeafModule } from './leaves.ts';
import { hwParams, type HwParams } from './params.ts';
import { buildRegisterMap, type RegisterMap } from './regmap.ts';
import { buildTop } from './top.ts';

export interface Design {
  cfg: ResolvedConfig;
  params: HwParams;
  regmap: RegisterMap;
  leaves: LeafModule[];
  /** DSL-built modules below the top, children first. */
  modules: StructuralModule[];
  top: StructuralModule;
}

export function elaborate(cfg: ResolvedConfig): Design {
  const params = hwParams(cfg);
  const regmap = buildRegisterMap(cfg);
  const engine = buildEngine(params, cfg.engines);
  const controller = buildController(params, cfg.engines);
  const dep = depCountersLeaves(params);
  const trace = params.trace ? traceUnitLeaves(params) : undefined;
  const csr = buildCsr(params, cfg.engines, regmap);
  const groupBus = buildGroupBus(params, cfg.engines);
  const xbar = buildXbar(params);
  const top = buildTop(params, cfg.engines, {
    csr: csr.csr,
    controller: controller.controller,
    depCounters: dep.depCounters,
    ...(trace ? { traceUnit: trace.traceUnit } : {}),
    engine: engine.engine,
    groupBus,
    xbar: xbar.xbar,
  });
  return {
    cfg,
    params,
    regmap,
    leaves: [
      ...engine.leaves,
      ...controller.leaves,
      ...Object.values(dep),
      ...(trace ? Object.values(trace) : []),
      ...csr.leaves,
      ...xbar.leaves,
    ],
    modules: [...engine.modules, engine.engine, controller.controller, csr.csr, groupBus, xbar.xbar],
    top,
  };
}
