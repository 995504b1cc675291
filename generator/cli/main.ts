// The synergyflow process: the only module that reads argv, handles signals and sets the exit
// code (generator/cli/exit-codes.ts). The commands are in ./program.ts.
import { interruptCleanup, stopSignalHandler } from '../cleanup.ts';
import { EXIT } from './exit-codes.ts';
import { describeFailure } from './failure.ts';
import { runCli } from './program.ts';

const debug = process.argv.includes('--debug');

// Interrupts: end child processes, remove temporary files, leave --out as it was. A second
// signal while cleaning up exits at once. A command that stops on its own terms (the queue
// worker) gets the first signal instead, and ends with its own exit code.
let stopping = false;
let stopRequested = false;
for (const [signal, code] of [['SIGINT', EXIT.sigint], ['SIGTERM', EXIT.sigterm]] as const) {
  process.on(signal, () => {
    const stop = stopSignalHandler();
    if (stop && !stopRequested && !stopping) {
      stopRequested = true;
      stop(signal);
      return;
    }
    if (stopping) process.exit(code);
    stopping = true;
    process.stderr.write(`\n[synergyflow] ${signal}: stopping, cleaning up\n`);
    void interruptCleanup().finally(() => process.exit(code));
  });
}

// An error outside a command's own flow (an event emitter's, a stray promise's) is mapped like
// any other: no stack trace without --debug. A reader that closed stdout (| head) is no error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? EXIT.ok);
});
for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
  process.on(event, (err: unknown) => {
    if (stopping) return;
    const failure = describeFailure(err, debug);
    process.stderr.write(`${failure.message}\n`);
    process.exit(failure.code);
  });
}

const code = await runCli(process.argv);
if (!stopping) process.exitCode = code;
