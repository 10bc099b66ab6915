// The fleet's Cedar gates alone, as the compile's worker thread answers them: load a
// generated fleet (dist/), collect every service's gate requests, then time one engine
// answering all of them. Prints one JSON line. Usage: node bench/child/cedar-requests.mjs <dir>
import {loadSpecs} from '../../dist/src/spec/load.js'
import {loadCedarPolicies, gateSteps, stepRequests} from '../../dist/src/layers/cedar/index.js'
import {CedarEngine} from '../../dist/src/layers/cedar/engine.js'
import {loadCedarWasmSync} from '../../dist/src/layers/cedar/wasm.js'

const specs = await loadSpecs([process.argv[2]])
const set = await loadCedarPolicies(specs.cedarPolicies, {services: specs.services.length})
const ctx = {services: specs.services}
const requests = specs.services.flatMap((svc) => stepRequests(svc, gateSteps(svc, ctx)))
let t = performance.now()
const cedar = loadCedarWasmSync(process.env.TIERED === '1' ? {} : {services: specs.services.length})
const loadMs = performance.now() - t
const engine = new CedarEngine(cedar, set.policies)
const cpu0 = process.cpuUsage()
t = performance.now()
for (const r of requests) engine.authorize(r)
const ms = performance.now() - t
const cpu = process.cpuUsage(cpu0)
console.log(JSON.stringify({requests: requests.length, loadMs: Math.round(loadMs), answerMs: Math.round(ms), cpuMs: Math.round((cpu.user + cpu.system) / 1000), usPerRequest: Math.round((ms * 1000) / requests.length), maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024)}))
