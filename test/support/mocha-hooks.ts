// Global mocha hooks. Tiers share emulator processes through test/support/stack.ts;
// this file makes sure anything started during the run is stopped at the end,
// even when a test fails.
import { stopAllStarted } from './processes.js';

export const mochaHooks = {
  async afterAll(this: unknown): Promise<void> {
    await stopAllStarted();
  },
};
