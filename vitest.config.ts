import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['generator/**/*.test.ts', 'tb/**/*.test.ts', 'scripts/**/*.test.ts'],
    // Simulation tests build a Verilator model the first time (cached afterwards).
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
