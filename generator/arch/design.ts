// Elaborates a whole accelerator from a resolved config: hardware parameters, leaf modules,
// the DSL-built top level and the register map.
import type { ResolvedConfig } from '../config/resolve.ts';
import type { StructuralModule } from '../dsl/module.ts';
import { templateText } from '../emit/templates.ts';
import { leafModules, type LeafModule } from './leaves.ts';
import { hwParams, type HwParams } from './params.ts';
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
  const pascal = (name: string) => name.toLowerCase().replace(/(^|_)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase());
  const regContext = {
    regOffsets: regmap.registers.map((r) => ({ pascal: pascal(r.name), hex: r.offset.toString(16).padStart(3, '0') })),
    readRegs: regmap.registers.map((r) => ({
      pascal: pascal(r.name),
      expr: r.constant !== undefined ? `32'h${r.constant.toString(16).padStart(8, '0')}` : r.readExpr,
    })),
  };
  const leaves = leafModules(params, templateText('rtl/sf_engine.v.hbs'), cfg.engines, regContext);
  const top = buildTop(params, cfg.engines, leaves);
  return { cfg, params, regmap, leaves: Object.values(leaves), top };
}
