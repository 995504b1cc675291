// Parses the testbench's SF_ lines (status registers, engine counters, fatal errors, timeout).

export interface SimReport {
  registers: Record<string, number>;
  engines: { busyCycles: number; computeCycles: number; stallCycles: number }[];
  channels: { readBeats: number; writeBeats: number }[];
  fatal?: string;
  timeout?: string;
  /** Protocol monitor reports (SF_PROTOCOL lines), in order. */
  protocol: string[];
  done: boolean;
}

export function parseSimOutput(lines: string[]): SimReport {
  const report: SimReport = {
    registers: { STATUS: 0, TASKS_DONE: 0, CYCLES_LO: 0, CYCLES_HI: 0, RD_BEATS: 0, WR_BEATS: 0 },
    engines: [],
    channels: [],
    protocol: [],
    done: false,
  };
  for (const line of lines) {
    const words = line.trim().split(/\s+/);
    switch (words[0]) {
      case 'SF_REG':
        report.registers[words[1]] = Number(words[2]);
        break;
      case 'SF_ENG': {
        const e = Number(words[1]);
        report.engines[e] ??= { busyCycles: 0, computeCycles: 0, stallCycles: 0 };
        if (words[2] === 'BUSY') report.engines[e].busyCycles = Number(words[3]);
        if (words[2] === 'COMPUTE') report.engines[e].computeCycles = Number(words[3]);
        if (words[2] === 'STALL') report.engines[e].stallCycles = Number(words[3]);
        break;
      }
      case 'SF_CH': {
        const c = Number(words[1]);
        report.channels[c] ??= { readBeats: 0, writeBeats: 0 };
        if (words[2] === 'RD_BEATS') report.channels[c].readBeats = Number(words[3]);
        if (words[2] === 'WR_BEATS') report.channels[c].writeBeats = Number(words[3]);
        break;
      }
      case 'SF_PROTOCOL':
        report.protocol.push(words.slice(1).join(' '));
        break;
      case 'SF_FATAL':
        report.fatal = words.slice(1).join(' ');
        break;
      case 'SF_TIMEOUT':
        report.timeout = words.slice(1).join(' ');
        break;
      case 'SF_DONE':
        report.done = true;
        break;
    }
  }
  return report;
}
