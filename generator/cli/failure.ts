// What the CLI prints, and the exit code it returns, for an error that ends a command.
import { CommanderError } from 'commander';
import { ElaborationError } from '../dsl/module.ts';
import { InputError, ToolError } from '../errors.ts';
import { QueueJobsError } from '../queue/jobs-error.ts';
import { EXIT } from './exit-codes.ts';

export const ISSUES_URL = 'the synergyflow issue tracker (the repository this copy came from)';

export interface Failure {
  code: number;
  /** Lines for stderr ('' when commander has printed its own message already). */
  message: string;
}

/** Maps an error to its exit code and message; only `debug` shows a stack trace. */
export function describeFailure(err: unknown, debug: boolean): Failure {
  const stack = debug && err instanceof Error && err.stack ? `\n${err.stack}` : '';
  if (err instanceof CommanderError) {
    // Commander printed the message (or the help) itself.
    const ok = err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help' || err.exitCode === 0;
    return { code: ok ? EXIT.ok : EXIT.badInput, message: '' };
  }
  if (err instanceof InputError) {
    const head = err.problems.length === 1 ? 'invalid input' : `${err.problems.length} problems in the input`;
    return { code: EXIT.badInput, message: `error: ${head}:\n  ${err.message.split('\n').join('\n  ')}${stack}` };
  }
  if (err instanceof QueueJobsError) {
    // The worst kind decides: a bug (4) over a tool or the queue (3) over bad input (2).
    const kinds = new Set(err.failures.map((f) => f.kind));
    const code = kinds.has('internal') ? EXIT.internal : kinds.has('tool') || kinds.has('expired') ? EXIT.tool : EXIT.badInput;
    return { code, message: `error: ${err.message}${stack}` };
  }
  if (err instanceof ToolError) return { code: EXIT.tool, message: `error: ${err.message}${stack}` };
  // The config was validated before elaboration: a DSL check failing after that is a bug, as is
  // an InternalError (errors.ts) or any error nobody expected.
  const what = err instanceof ElaborationError ? `elaboration failed: ${err.message}` : err instanceof Error ? err.message : String(err);
  return {
    code: EXIT.internal,
    message: `internal error: ${what}\nThis is a bug in synergyflow; please report it, with the command you ran, to ${ISSUES_URL}.${stack || ' Run again with --debug for the stack trace.'}`,
  };
}
