// Loaded with `node --import` in front of bin/run.js: on exit, writes the process's peak
// RSS (KiB) to $BENCH_RSS_FILE, so the CLI is measured exactly as a user runs it.
import {writeFileSync} from 'node:fs'

const file = process.env.BENCH_RSS_FILE
if (file) process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS)))
