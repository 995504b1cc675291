// Elaborates a whole accelerator from a resolved config: hardware parameters, leaf modules,
// the DSL-built top level and the register map.
import type { ResolvedConfig } from '../config/resolve.ts';
import type { StructuralModule } from '../dsl/module.ts';
import { buildCompute } from '../blocks/compute/block.ts';
import { buildController } from '../blocks/controller/block.ts';
import { buildEngine } from '../blocks/engine/block.ts';
import { buildGroupBus } from '../blocks/group-bus/block.ts';
import { buildXbar } from '../blocks/xbar/block.ts';
import { leafModules, type LeafModule } from './leaves.ts';
import { hwParams, type HwParams } from './params.ts';
import { csrContext } from './csr.ts';
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
  const regContext = csrContext(regmap);
  const leaves = leafModules(params, cfg.engines, regContext);
  const compute = buildCompute(params);
  const engine = buildEngine(params, cfg.engines, { ...leaves, compute: compute.compute });
  const groupBus = buildGroupBus(params, cfg.engines);
  const xbar = buildXbar(params);
  const controller = buildController(params, cfg.engines, leaves.descRam);
  const top = buildTop(params, cfg.engines, { ...leaves, engine: engine.engine, groupBus, xbar: xbar.xbar, controller: controller.controller });
  return {
    cfg,
    params,
    regmap,
    leaves: [...Object.values(leaves), ...compute.leaves, ...engine.leaves, ...xbar.leaves, ...controller.leaves],
    modules: [...compute.modules, compute.compute, engine.engine, groupBus, xbar.xbar, controller.controller],
    top,
  };
}
