// The offline diagnosis of one pair with the built pipeline (dist/), phases summed over the
// first run and the fix re-runs. Prints one JSON line.
// Usage: node bench/child/pair.mjs <dir> <source> <target>
import {diagnoseOffline} from '../../dist/src/diagnose/offline.js'
import {defaultCompileOptions} from '../../dist/src/core/constants.js'

const [dir, source, target] = process.argv.slice(2)
const timings = {}
const sources = {}
const t = performance.now()
const d = await diagnoseOffline({
  specPaths: [dir], policyPaths: [], source, target, options: defaultCompileOptions(), timings,
  emit: (e) => { if (e.type === 'source-finished') sources[e.source] = e.ms },
})
const totalMs = performance.now() - t
const round = (v) => Math.round(v * 10) / 10
console.log(JSON.stringify({
  result: d.result.status,
  fixVerified: d.fix?.verified ?? null,
  phases: {'load specs': round(sources.specs ?? 0), ...Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, round(v)]))},
  totalMs: round(totalMs),
  maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
}))
