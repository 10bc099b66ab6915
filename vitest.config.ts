import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Hermetic runs: no parse cache shared between tests or with the developer's own runs.
    env: {PLATFORM_NO_CACHE: '1'},
  },
})
