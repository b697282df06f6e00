import { defineConfig } from 'vitest/config';

// Two projects: fast unit tests with no Docker, and integration tests that
// boot real Debian containers (slow hooks, few files at once: each file
// starts its own fleet of systemd containers).
export default defineConfig({
  test: {
    // Stopping a fleet removes several containers.
    teardownTimeout: 60_000,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          // Some unit tests start the built CLI: give a busy machine room.
          testTimeout: 20_000,
          // Projects with different maxWorkers run as separate groups: unit first.
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 300_000,
          fileParallelism: true,
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
