// The queue's defaults, in a module without imports (the CLI defines its options without
// loading ioredis or bullmq); connection.ts re-exports them.

/** The queue's name when none is given: every worker and submitter of one Redis meet on it. */
export const DEFAULT_QUEUE = 'synergyflow';
