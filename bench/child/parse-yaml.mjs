// The compile target's yardstick: a bare Node script that reads and parses the same fleet's
// YAML with js-yaml (no oclif, no normalization). Usage: node bench/child/parse-yaml.mjs <dir>
import {readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import jsyaml from 'js-yaml'

const dir = process.argv[2]
let docs = 0
for (const f of readdirSync(dir).sort()) if (f.endsWith('.yaml')) docs += jsyaml.loadAll(readFileSync(path.join(dir, f), 'utf8')).length
process.stdout.write(`${docs}\n`)
