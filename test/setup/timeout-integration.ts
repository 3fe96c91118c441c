import { jest } from '@jest/globals';

// Per-project default test timeout (jest 29 has no per-project testTimeout option).
jest.setTimeout(300000);
