// Parses the `stat` output of a Yosys log: the cells of each module (with the instances of other
// modules it contains), so that resource counts can be totalled per module, recursively.

export interface ModuleStat {
  /** Cell type -> count, including instances of other modules of the design. */
  cells: Record<string, number>;
}

export interface StatReport {
  modules: Record<string, ModuleStat>;
  top: string;
}

/**
 * Reads the last complete `stat` listing of a log: "=== name ===" sections with indented
 * "type count" lines after "Number of cells:". The "design hierarchy" section names the top.
 */
export function parseStat(log: string): StatReport {
  const lines = log.split('\n');
  // Start of the last stat run: the last line that opens a section after which a hierarchy follows.
  let start = -1;
  for (let i = 0; i < lines.length; i++) if (/^\d+\.\s+Printing statistics\./.test(lines[i].trim())) start = i;
  if (start < 0) throw new Error('no Yosys statistics ("Printing statistics.") in the log');
  const modules: Record<string, ModuleStat> = {};
  let top = '';
  let current: string | undefined;
  let inCells = false;
  let inHierarchy = false;
  for (let i = start; i < lines.length; i++) {
    const line = lines[i];
    const section = /^=== (.+) ===$/.exec(line.trim());
    if (section) {
      inHierarchy = section[1] === 'design hierarchy';
      current = inHierarchy ? undefined : section[1];
      if (current) modules[current] = { cells: {} };
      inCells = false;
      continue;
    }
    if (inHierarchy) {
      const m = /^\s{3}(\S+)\s+\d+\s*$/.exec(line);
      if (m && !top) top = m[1];
      continue;
    }
    if (!current) continue;
    if (/^\s+Number of cells:/.test(line)) {
      inCells = true;
      continue;
    }
    if (inCells) {
      const cell = /^\s+(\S+)\s+(\d+)\s*$/.exec(line);
      if (cell) modules[current].cells[cell[1]] = Number(cell[2]);
      else if (line.trim() === '' || /^\s+(Chip area|Estimated number)/.test(line)) inCells = false;
    }
  }
  if (Object.keys(modules).length === 0) throw new Error('the Yosys statistics list no modules');
  if (!top) top = Object.keys(modules).length === 1 ? Object.keys(modules)[0] : '';
  if (!top) throw new Error('the Yosys statistics have no design hierarchy (top module unknown)');
  return { modules, top };
}

/** Primitive cell counts of a module, with every instance of a design module expanded. */
export function flattenCells(report: StatReport, module: string, seen: string[] = []): Record<string, number> {
  if (seen.includes(module)) throw new Error(`module ${module} instantiates itself`);
  const own = report.modules[module];
  if (!own) throw new Error(`no statistics for module ${module}`);
  const total: Record<string, number> = {};
  for (const [type, count] of Object.entries(own.cells)) {
    if (report.modules[type]) {
      for (const [t, c] of Object.entries(flattenCells(report, type, [...seen, module]))) total[t] = (total[t] ?? 0) + c * count;
    } else {
      total[type] = (total[type] ?? 0) + count;
    }
  }
  return total;
}
