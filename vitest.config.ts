import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['generator/**/*.test.ts', 'tb/**/*.test.ts', 'scripts/**/*.test.ts'],
    // Synthesis takes minutes: its own tier (npm run test:synth).
    exclude: ['**/node_modules/**', 'dist/**', '**/*.synth.test.ts'],
    // Simulation tests build a Verilator model the first time (cached afterwards).
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
