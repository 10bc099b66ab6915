// The e2e suite runs only through `npm run e2e:kind` (e2e-kind/run.sh), against a kind
// cluster that run.sh has brought up; `npm test` never includes it.
import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    include: ['e2e-kind/**/*.e2e.test.ts'],
    testTimeout: 240_000,
    hookTimeout: 600_000,
    pool: 'forks',
    fileParallelism: false,
    sequence: {concurrent: false},
  },
})
