import { defineConfig } from 'vitest/config';

// The synthesis tier: runs Yosys (WebAssembly) on the tiny preset; minutes, not seconds.
export default defineConfig({
  test: {
    include: ['generator/**/*.synth.test.ts'],
    testTimeout: 900_000,
    hookTimeout: 900_000,
    fileParallelism: false,
  },
});
