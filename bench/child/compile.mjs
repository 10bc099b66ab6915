// One benchmark scenario in a fresh process (so maxRSS is this scenario's peak): load a
// generated fleet from disk and compile every layer with the built pipeline (dist/), timing
// each phase. Prints one JSON line. Usage: node bench/child/compile.mjs <dir>
import {collectFiles} from '../../dist/src/spec/files.js'
import {readDocuments} from '../../dist/src/spec/documents.js'
import {specSetFromDocuments} from '../../dist/src/spec/load.js'
import {compileFleet} from '../../dist/src/pipeline/fleet.js'
import {defaultCompileOptions} from '../../dist/src/core/constants.js'

const dir = process.argv[2]
const ms = (t) => Math.round((performance.now() - t) * 10) / 10
const phases = {}

// loadSpecs(), split into its two steps: parsing the YAML files and normalizing the objects.
let t = performance.now()
const docs = []
for (const file of await collectFiles([dir])) docs.push(...(await readDocuments(file)))
phases['load: read+parse YAML'] = ms(t)
t = performance.now()
const specs = specSetFromDocuments(docs)
phases['load: normalize'] = ms(t)

t = performance.now()
const timings = {}
const fleet = await compileFleet(specs, defaultCompileOptions(), {timings})
const compileMs = ms(t)
for (const [k, v] of Object.entries(timings)) phases[k] = Math.round(v * 10) / 10

const denied = [...fleet.outcomes.values()].filter((o) => !o.emitted).length
console.log(JSON.stringify({
  services: specs.services.length,
  phases,
  loadMs: phases['load: read+parse YAML'] + phases['load: normalize'],
  compileMs,
  objects: {mesh: fleet.resources.mesh.length, l4: fleet.resources.l4.length, l7: fleet.resources.l7.length, runtime: fleet.resources.runtime.length},
  denied,
  maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
}))
