// The engine-group bus, composed in the DSL: every engine receives the input-buffer writes and
// input arrivals of its group's leader (as the controller selected it at dispatch), and every
// leader learns whether all busy members of its group can take the next input tile.
import { inp, out } from '../../arch/leaves.ts';
import type { HwParams } from '../../arch/params.ts';
import { ModuleBuilder, and, bit, eq, lit, mux, pick, slice, type Expr, type StructuralModule } from '../../dsl/module.ts';

export function buildGroupBus(p: HwParams, engines: number): StructuralModule {
  const ne = engines;
  const lw = p.engineBits;
  const g = new ModuleBuilder('sf_group_bus', 'Engine-to-engine interconnect: input broadcast from each group leader to its members.');
  const vec = (def: ReturnType<typeof inp>) => ({ ...def, vector: true });
  g.addPorts([
    vec(inp('leader_i', ne * lw)),
    vec(inp('busy_i', ne)),
    vec(inp('in_ready_i', ne * 2)),
    vec(inp('bc_we_i', ne)),
    vec(inp('bc_waddr_i', ne * p.inAddrBits)),
    vec(inp('bc_wdata_i', ne * p.busBits)),
    vec(inp('bc_in_filled_i', ne * 2)),
    vec(out('bc_we_o', ne)),
    vec(out('bc_waddr_o', ne * p.inAddrBits)),
    vec(out('bc_wdata_o', ne * p.busBits)),
    vec(out('bc_in_filled_o', ne * 2)),
    vec(out('group_in_ready_o', ne * 2)),
  ]);
  for (let e = 0; e < ne; e++) {
    const lead = slice('leader_i', e * lw, lw);
    g.assign(bit('bc_we_o', e), pick('bc_we_i', lead, 1));
    g.assign(slice('bc_waddr_o', e * p.inAddrBits, p.inAddrBits), pick('bc_waddr_i', lead, p.inAddrBits));
    g.assign(slice('bc_wdata_o', e * p.busBits, p.busBits), pick('bc_wdata_i', lead, p.busBits));
    g.assign(slice('bc_in_filled_o', e * 2, 2), pick('bc_in_filled_i', lead, 2));
    // As a leader: the AND of in_ready over the busy engines that follow this one.
    const memberReady = `member_ready_e${e}`;
    g.wire(memberReady, ne * 2, `per engine: ready, or not a busy member of engine ${e}'s group`);
    for (let f = 0; f < ne; f++) {
      const follows = and(bit('busy_i', f), eq(slice('leader_i', f * lw, lw), lit(e, lw)));
      g.assign(slice(memberReady, f * 2, 2), mux(follows, slice('in_ready_i', f * 2, 2), lit(3, 2)));
    }
    const ready: Expr[] = Array.from({ length: ne }, (_, f) => slice(memberReady, f * 2, 2));
    g.assign(slice('group_in_ready_o', e * 2, 2), ready.length === 1 ? ready[0] : and(...ready));
  }
  return g.build();
}
