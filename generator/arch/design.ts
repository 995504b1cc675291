// Elaborates a whole accelerator from a resolved config: hardware parameters, leaf modules,
// the DSL-built top level and the register map.
import type { ResolvedConfig } from '../config/resolve.ts';
import type { StructuralModule } from '../dsl/module.ts';
import { templateText } from '../emit/templates.ts';
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
  top: StructuralModule;
}

export function elaborate(cfg: ResolvedConfig): Design {
  const params = hwParams(cfg);
  const regmap = buildRegisterMap(cfg);
  const regContext = csrContext(regmap);
  const leaves = leafModules(params, templateText('rtl/sf_engine.sv.hbs'), cfg.engines, regContext);
  const top = buildTop(params, cfg.engines, leaves);
  return { cfg, params, regmap, leaves: Object.values(leaves), top };
}
