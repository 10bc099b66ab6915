// Preloaded into a CLI run (`node --import`) to report the process's peak RSS on stderr
// when it exits; the timed CLI runs do not load it.
process.on('exit', () => process.stderr.write(`\nBENCH_MAX_RSS_MB=${Math.round(process.resourceUsage().maxRSS / 1024)}\n`))
