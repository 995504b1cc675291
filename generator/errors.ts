// The errors a command ends with. InputError, for every bad input (config, model, workload,
// npy), carries every problem found, each naming the file, the field, what was expected and what
// was found, so that the CLI can report all of them at once. InternalError is a bug in
// synergyflow (the DSL's ElaborationError is one). ToolError is a tool that failed or is missing
// (tools/exec.ts raises it).

export interface Problem {
  /** File the problem is in (as the user named it), or a description such as "preset tiny". */
  file: string;
  /** Dotted path of the field, e.g. "layers[2].kernel"; "" for the file as a whole. */
  field: string;
  expected: string;
  found: string;
}

export function formatProblem(p: Problem): string {
  const where = p.field ? `${p.file}: ${p.field}` : p.file;
  return `${where}: expected ${p.expected}, found ${p.found}`;
}

/** A bug in synergyflow (never the user's input): the CLI exits with EXIT.internal and asks for a report. */
export class InternalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InternalError';
  }
}

/** An external tool (simulator, Yosys, nextpnr, Redis) is missing or failed: the CLI exits with EXIT.tool. */
export class ToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolError';
  }
}

export class InputError extends Error {
  readonly problems: Problem[];

  constructor(problems: Problem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'InputError';
    this.problems = problems;
  }
}

/** Collects problems while validating; throws them all together at the end. */
export class ProblemList {
  readonly items: Problem[] = [];

  add(file: string, field: string, expected: string, found: unknown): void {
    this.items.push({ file, field, expected, found: describeValue(found) });
  }

  /** Like add(), with `found` already written as text (not quoted). */
  addText(file: string, field: string, expected: string, found: string): void {
    this.items.push({ file, field, expected, found });
  }

  get empty(): boolean {
    return this.items.length === 0;
  }

  throwIfAny(): void {
    if (this.items.length > 0) throw new InputError(this.items);
  }
}

/** Short human description of a found value for error messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (Array.isArray(value)) {
    const text = JSON.stringify(value);
    return text.length > 60 ? `an array of ${value.length} items` : text;
  }
  const text = JSON.stringify(value);
  return text !== undefined && text.length <= 60 ? text : 'an object';
}
