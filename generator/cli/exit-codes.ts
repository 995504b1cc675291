// The exit codes of every synergyflow command: one table that the CLI uses and the README
// documents.
export const EXIT = {
  /** Everything worked (run: every output matched the golden model; regress: every run did;
   * worker: stopped by SIGINT or SIGTERM, its active jobs handed back to the queue). */
  ok: 0,
  /** A result is wrong or the hardware failed: a mismatch, a hardware error, a hang, a failed
   * synthesis gate; regress: a run that was not bit-exact. */
  failed: 1,
  /** Bad input: a usage error, a bad file or field, a limit exceeded, an unsafe output folder;
   * regress: a run its worker refused as bad input. */
  badInput: 2,
  /** A tool (Verilator, Icarus, Yosys, nextpnr) is missing or failed; worker and regress: Redis
   * cannot be reached, or the queue did not finish within --timeout. */
  tool: 3,
  /** A bug in synergyflow. */
  internal: 4,
  /** Interrupted by SIGINT (Ctrl-C) or SIGTERM, after cleaning up. */
  sigint: 130,
  sigterm: 143,
} as const;
