// The TUI: one more view of the diagnosis event stream and the Diagnosis object. Screens:
// picker → verdict → drill-down / fix / watch, with a help overlay. All verdicts come from
// the session (the same diagnosis as the text and JSON views); this file only routes keys.

import React, {useCallback, useEffect, useMemo, useRef, useState} from 'react'
import {Box, Text, useApp, useInput, useStdout, type Key} from 'ink'
import {LAYER_ORDER, LAYER_TITLES} from '../../core/result.js'
import type {Diagnosis} from '../../diagnose/model.js'
import {RingBuffer, throttled, watchLine, type WatchRecord} from '../../diagnose/watch.js'
import {BLOCKED_AT_TITLE} from '../diagnosis-text.js'
import {drillLines, type Line} from './drill.js'
import {unifiedDiff} from './fix-edits.js'
import {ColorContext, Colored, Footer, ScrollView, StatusWord} from './parts.js'
import {Picker, PortPicker} from './Picker.js'
import {filterEndpoints, keyOfEndpoint} from './fuzzy-pick.js'
import {readRecents, rememberRecent} from './recents.js'
import type {Endpoint, FileEdit, PairChoice, RunOutcome, TuiSession, WatchHandle} from './session.js'
import {failRun, initialRun, reduceEvent, type RunState} from './state.js'
import {ResultLine, Verdict} from './Verdict.js'

export interface AppProps {
  session: TuiSession
  source?: string
  target?: string
  port?: string
  color?: boolean
  recentsFile?: string
  /** Watch history kept in memory (records beyond it scroll out). */
  watchCapacity?: number
  /** Called with the last diagnosis when the user quits. */
  onExit?: (last: Diagnosis | undefined) => void
}

type Screen = 'pick' | 'port' | 'verdict' | 'drill' | 'fix' | 'watch'

export const HELP: Array<[string, string]> = [
  ['↑/↓, j/k', 'move; scroll'],
  ['enter', 'select; open the layer drill-down'],
  ['esc, backspace', 'back'],
  ['tab', 'next pane / section'],
  ['/', 'search (n: next match)'],
  ['?', 'this help'],
  ['r', 're-run the diagnosis'],
  ['w', 'watch new denials (live)'],
  ['f', 'fix screen'],
  ['t', 'fix screen: what-if (apply the fix in memory)'],
  ['W', 'fix screen: write the edited spec file (asks y/n)'],
  ['p', 'pick another pair'],
  ['q, Ctrl-C', 'quit'],
]

export function App(props: AppProps) {
  const {session} = props
  const {exit} = useApp()
  const {stdout} = useStdout()
  const [size, setSize] = useState({rows: stdout?.rows || 24, columns: stdout?.columns || 80})
  useEffect(() => {
    if (!stdout) return
    const onResize = () => setSize({rows: stdout.rows || 24, columns: stdout.columns || 80})
    stdout.on('resize', onResize)
    return () => void stdout.off('resize', onResize)
  }, [stdout])
  const bodyHeight = Math.max(4, size.rows - 3)

  const [pair, setPair] = useState<Partial<PairChoice>>({...(props.source ? {source: props.source} : {}), ...(props.target ? {target: props.target} : {}), ...(props.port ? {port: props.port} : {})})
  const [screen, setScreen, screenRef] = useRefState<Screen>(props.source && props.target ? 'verdict' : 'pick')
  const [help, setHelp] = useState(false)
  const [message, setMessage] = useState('')

  // Picker
  const [endpoints, setEndpoints] = useState<Endpoint[] | undefined>()
  const [endpointError, setEndpointError] = useState<string>()
  const [recents, setRecents] = useState<string[]>(() => readRecents(props.recentsFile))
  const [query, setQuery] = useState('')
  const [pick, setPick] = useState(0)
  const role: 'source' | 'target' = pair.source ? 'target' : 'source'
  const matches = useMemo(() => filterEndpoints(endpoints ?? [], query, recents, role === 'target' ? pair.source : undefined), [endpoints, query, recents, role, pair.source])
  const [portPick, setPortPick] = useState(0)
  const targetPorts = endpoints?.find((e) => keyOfEndpoint(e) === pair.target)?.ports ?? []
  useEffect(() => {
    if (screen !== 'pick' || endpoints) return
    session.endpoints().then(setEndpoints, (err: Error) => {
      setEndpoints([])
      setEndpointError(err.message)
    })
  }, [screen, endpoints, session])

  // Diagnosis run
  const [run, setRun] = useState<RunState>(() => initialRun(Date.now()))
  const [outcome, setOutcome] = useState<RunOutcome>()
  const [now, setNow] = useState(Date.now())
  const [runId, setRunId] = useState(0)
  const running = screen !== 'pick' && screen !== 'port' && !run.diagnosis && !run.error
  useEffect(() => {
    if (!running) return
    const t = setInterval(() => setNow(Date.now()), 100)
    return () => clearInterval(t)
  }, [running])
  useEffect(() => {
    if (!pair.source || !pair.target || screen === 'pick' || screen === 'port') return
    let live = true
    const started = Date.now()
    setRun(initialRun(started))
    setOutcome(undefined)
    setNow(started)
    session.diagnose(pair as PairChoice, (e) => {
      if (live) setRun((s) => reduceEvent(s, e, Date.now()))
    }).then((o) => {
      if (!live) return
      setOutcome(o)
      setRun((s) => (s.diagnosis ? s : reduceEvent(s, {type: 'diagnosis', diagnosis: o.diagnosis}, Date.now())))
    }, (err: Error) => live && setRun((s) => failRun(s, err.message.split('\n')[0])))
    return () => {
      live = false
    }
  // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [pair.source, pair.target, pair.port, runId])
  const lastDiagnosis = useRef<Diagnosis | undefined>(undefined)
  lastDiagnosis.current = outcome?.diagnosis ?? lastDiagnosis.current

  // Verdict / drill
  // Positions live in refs too: several keys read in one chunk (a busy terminal) each move.
  const [layerRow, setLayerRow, layerRowRef] = useRefState(0)
  const [offset, setOffset, offsetRef] = useRefState(0)
  const [search, setSearchState] = useState<{typing: boolean; text: string}>({typing: false, text: ''})
  // Typed text goes through a ref too: keys typed faster than a frame must all count.
  const searchRef = useRef(search)
  const setSearch = (next: {typing: boolean; text: string}) => {
    searchRef.current = next
    setSearchState(next)
  }

  // Fix
  const [edits, setEdits] = useState<FileEdit[]>()
  const [whatIf, setWhatIf] = useState(false)
  const [confirm, setConfirm] = useState(false)
  useEffect(() => {
    if (screen !== 'fix' || !outcome || edits) return
    session.fixEdits(outcome).then(setEdits, (err: Error) => setMessage(`fix: ${err.message}`))
  }, [screen, outcome, edits, session])

  // Watch
  const ring = useRef(new RingBuffer<WatchRecord>(props.watchCapacity ?? 500))
  const [, setWatchFrame] = useState(0)
  const watchHandle = useRef<WatchHandle | undefined>(undefined)
  const [watchErrors, setWatchErrors] = useState<string[]>([])
  const startWatch = useCallback(() => {
    if (watchHandle.current) return
    if (!session.watch) {
      setMessage('watch follows a live cluster: run without --specs (or with --live)')
      return
    }
    const frames = throttled<WatchRecord>((batch) => {
      for (const r of batch) ring.current.push(r)
      setWatchFrame((n) => n + 1)
    }, 100)
    const handle = session.watch(pair as PairChoice, (r) => frames.push(r), (source, reason) => setWatchErrors((e) => [...e.slice(-4), `${source}: ${reason}`]))
    watchHandle.current = {stop: () => {
      frames.stop()
      handle.stop()
    }}
  }, [session, pair])
  useEffect(() => () => watchHandle.current?.stop(), [])

  const quit = () => {
    watchHandle.current?.stop()
    props.onExit?.(lastDiagnosis.current)
    exit()
  }

  const layer = run.layers[LAYER_ORDER[layerRow]]
  const lines: Line[] = useMemo(() => {
    if (screen === 'drill' && layer) return drillLines(layer, outcome, ring.current.toArray())
    if (screen === 'fix') return fixLines(outcome, edits, whatIf)
    return []
  // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [screen, layer, outcome, edits, whatIf, ring.current.total])
  const pageHeight = bodyHeight - 1
  const scrollTo = (n: number | ((o: number) => number)) => setOffset((o) => clampScroll(typeof n === 'function' ? n(o) : n))
  const clampScroll = (n: number) => (Math.max(0, Math.min(n, Math.max(0, lines.length - pageHeight))))
  const findNext = (text: string, from: number) => {
    if (!text) return
    const i = lines.findIndex((l, idx) => idx >= from && l.text.toLowerCase().includes(text.toLowerCase()))
    const j = i === -1 ? lines.findIndex((l) => l.text.toLowerCase().includes(text.toLowerCase())) : i
    if (j !== -1) scrollTo(j)
    else setMessage(`no match for "${text}"`)
  }

  const choosePair = (e: Endpoint) => {
    const key = keyOfEndpoint(e)
    setRecents(rememberRecent(key, props.recentsFile))
    setQuery('')
    setPick(0)
    if (role === 'source') {
      setPair({source: key})
      return
    }
    const next = {source: pair.source!, target: key}
    if (e.ports.length > 1 && !pair.port) {
      setPair(next)
      setPortPick(0)
      setScreen('port')
      return
    }
    setPair(next)
    setScreen('verdict')
  }

  const back = () => {
    const screen = screenRef.current
    setSearch({typing: false, text: ''})
    if (screen === 'drill' || screen === 'fix' || screen === 'watch') {
      setOffset(0)
      setScreen('verdict')
    } else if (screen === 'verdict' || screen === 'port') {
      setPair({})
      setScreen('pick')
    } else if (screen === 'pick' && pair.source) setPair({})
  }

  // The latest handler, set at render: a key that arrives between a commit and ink's
  // re-subscription must not see the previous screen's state.
  const onKey = useRef<(input: string, key: Key) => void>(() => {})
  useInput(useCallback((input: string, key: Key) => onKey.current(input, key), []))
  onKey.current = (input, key) => {
    // The screen a key lands on is the one the previous key opened, even before it is drawn.
    const screen = screenRef.current
    // Keys that arrived together ("jjj\r" from a busy terminal): one at a time, outside text entry.
    if (input.length > 1 && !input.startsWith('\u001b') && screen !== 'pick' && !searchRef.current.typing) {
      for (const c of input) onKey.current(c === '\r' ? '' : c, {...key, return: c === '\r'})
      return
    }
    if (key.ctrl && input === 'c') return quit()
    if (help) return setHelp(false)
    if (message) setMessage('')
    const typed = searchRef.current
    if (typed.typing) {
      if (key.return) {
        setSearch({typing: false, text: typed.text})
        findNext(typed.text, offset)
      } else if (key.escape) setSearch({typing: false, text: ''})
      else if (key.backspace || key.delete) setSearch({typing: true, text: typed.text.slice(0, -1)})
      else if (input && !key.ctrl && !key.meta) setSearch({typing: true, text: typed.text + input})
      return
    }
    if (confirm) {
      setConfirm(false)
      if (input === 'y' && edits && session.writeEdits) {
        session.writeEdits(edits).then((files) => setMessage(files.length ? `wrote ${files.join(', ')}` : 'nothing writable'), (err: Error) => setMessage(`write failed: ${err.message}`))
      } else setMessage('not written')
      return
    }
    if (screen === 'pick') {
      if (key.escape) return pair.source ? back() : quit()
      if (key.upArrow) return setPick((p) => Math.max(0, p - 1))
      if (key.downArrow || key.tab) return setPick((p) => Math.min(matches.length - 1, p + 1))
      if (key.return) return matches[pick] ? choosePair(matches[pick]) : undefined
      if (key.backspace || key.delete) {
        if (query === '') return back()
        setQuery((q) => q.slice(0, -1))
        return setPick(0)
      }
      if (input === '?' && query === '') return setHelp(true)
      if (input && !key.ctrl && !key.meta) {
        setQuery((q) => q + input)
        setPick(0)
      }
      return
    }
    if (input === 'q') return quit()
    if (input === '?') return setHelp(true)
    if (key.escape || key.backspace || key.delete) return back()
    if (screen === 'port') {
      if (key.upArrow || input === 'k') return setPortPick((p) => Math.max(0, p - 1))
      if (key.downArrow || input === 'j') return setPortPick((p) => Math.min(targetPorts.length - 1, p + 1))
      if (key.return) {
        setPair({...pair, port: targetPorts[portPick]})
        return setScreen('verdict')
      }
      return
    }
    if (input === 'r') {
      setEdits(undefined)
      setWhatIf(false)
      return setRunId((n) => n + 1)
    }
    if (input === 'p') {
      watchHandle.current?.stop()
      watchHandle.current = undefined
      setPair({})
      return setScreen('pick')
    }
    if (input === 'f') {
      setOffset(0)
      if (!run.diagnosis?.fix) return setMessage(run.diagnosis ? 'no fix: the pair is not blocked (or nothing to change)' : 'wait for the diagnosis')
      return setScreen('fix')
    }
    if (input === 'w') {
      startWatch()
      return session.watch ? setScreen('watch') : undefined
    }
    if (screen === 'verdict') {
      if (key.upArrow || input === 'k') return setLayerRow((r) => Math.max(0, r - 1))
      if (key.downArrow || input === 'j') return setLayerRow((r) => Math.min(LAYER_ORDER.length - 1, r + 1))
      if (key.tab) return setLayerRow((r) => (r + 1) % LAYER_ORDER.length)
      const current = run.layers[LAYER_ORDER[layerRowRef.current]]
      if (key.return && current) {
        // Open where the deciding rule is marked, when it is below the first page.
        const all = drillLines(current, outcome, ring.current.toArray())
        const mark = all.findIndex((l) => l.style === 'mark')
        const heading = all.slice(0, Math.max(0, mark)).map((l) => l.style).lastIndexOf('heading')
        setOffset(mark <= pageHeight - 2 ? 0 : mark - heading < pageHeight - 1 ? heading : mark - 4)
        return setScreen('drill')
      }
      return
    }
    if (screen === 'drill' || screen === 'fix') {
      if (key.upArrow || input === 'k') return scrollTo((o) => o - 1)
      if (key.downArrow || input === 'j') return scrollTo((o) => o + 1)
      if (key.pageDown || input === ' ') return scrollTo((o) => o + pageHeight)
      if (key.pageUp) return scrollTo((o) => o - pageHeight)
      if (key.tab) {
        const next = lines.findIndex((l, i) => i > offsetRef.current && l.style === 'heading')
        return scrollTo(next === -1 ? 0 : next)
      }
      if (input === '/') return setSearch({typing: true, text: ''})
      if (input === 'n') return findNext(search.text, offset + 1)
      if (screen === 'fix' && input === 't') {
        if (!outcome?.afterFix) return setMessage('the fix could not be applied in memory (a manual edit)')
        return setWhatIf((v) => !v)
      }
      if (screen === 'fix' && input === 'W') {
        if (session.mode === 'live' || !session.writeEdits) return setMessage('live specs are never written: apply the change to your spec source')
        if (!edits?.some((e) => e.writable)) return setMessage('nothing writable in this fix')
        return setConfirm(true)
      }
    }
  }

  const title = pair.source && pair.target ? `${pair.source} → ${pair.target}${pair.port ? ` port ${pair.port}` : ''}` : 'platform debug tui'
  const footer = help ? 'any key: close help' : search.typing ? `/${search.text}` : confirm ? `write ${edits?.filter((e) => e.writable).map((e) => e.file).join(', ')}? y/n` : message || FOOTERS[screen]
  return (
    <ColorContext.Provider value={props.color !== false}>
      <Box flexDirection="column" width={size.columns} height={size.rows - 1}>
        <Text bold wrap="truncate-end">{title} <Text dimColor>({session.mode}{screen === 'watch' ? ', watching' : ''})</Text></Text>
        {help ? <Help height={bodyHeight} /> : (
          <Box flexDirection="column" height={bodyHeight}>
            {screen === 'pick' ? <Picker title={`Pick the ${role === 'source' ? 'caller (A)' : `callee (B) for ${pair.source}`}: type to search`} query={query} items={matches} selected={pick} height={bodyHeight} recents={recents} loading={!endpoints} {...(endpointError ? {error: endpointError} : {})} /> : null}
            {screen === 'port' ? <PortPicker target={pair.target!} ports={targetPorts} selected={portPick} /> : null}
            {screen === 'verdict' ? <Verdict run={run} selected={layerRow} now={now} height={bodyHeight} /> : null}
            {screen === 'drill' || screen === 'fix' ? <ScrollView lines={lines} offset={offset} height={bodyHeight} {...(search.text ? {search: search.text} : {})} /> : null}
            {screen === 'watch' ? <WatchView ring={ring.current} height={bodyHeight} d={run.diagnosis} errors={watchErrors} /> : null}
          </Box>
        )}
        <Footer keys={footer} />
      </Box>
    </ColorContext.Provider>
  )
}

/** State mirrored in a ref, with functional updates applied to the ref at once. */
function useRefState<T>(initial: T): [T, (next: T | ((prev: T) => T)) => void, React.MutableRefObject<T>] {
  const [value, setValue] = useState(initial)
  const ref = useRef(initial)
  const set = useCallback((next: T | ((prev: T) => T)) => {
    ref.current = typeof next === 'function' ? (next as (prev: T) => T)(ref.current) : next
    setValue(ref.current)
  }, [])
  return [value, set, ref]
}

const FOOTERS: Record<Screen, string> = {
  pick: 'type to search · ↑/↓ · enter select · backspace back · esc quit · ? help',
  port: '↑/↓ · enter · esc back · q quit',
  verdict: '↑/↓ j/k · enter drill-down · f fix · w watch · r re-run · ? help · q quit',
  drill: '↑/↓ j/k scroll · tab section · / search · n next · esc back · q quit',
  fix: 't what-if · W write file · ↑/↓ scroll · / search · esc back · q quit',
  watch: 'r re-evaluate · esc back · q quit',
}

function Help({height}: {height: number}) {
  return (
    <Box flexDirection="column" height={height} borderStyle="round" paddingX={1}>
      <Text bold>Keys</Text>
      {HELP.map(([k, what]) => <Text key={k} wrap="truncate-end">{k.padEnd(16)} {what}</Text>)}
    </Box>
  )
}

/** The fix as diffs against the files, and with what-if on, the verdict before and after. */
export function fixLines(outcome: RunOutcome | undefined, edits: FileEdit[] | undefined, whatIf: boolean): Line[] {
  const d = outcome?.diagnosis
  if (!d?.fix) return [{text: 'no fix proposed', style: 'dim'}]
  const out: Line[] = [{text: `Fix: ${d.fix.summary}`, style: 'heading'}, {text: d.fix.verified ? 'verified: the diagnosis re-run with this change in memory says ALLOWED' : `not verified: ${d.fix.verification ?? ''}`, style: 'dim'}]
  if (whatIf && outcome?.afterFix) {
    const after = outcome.afterFix
    out.push({text: ''}, {text: `What-if (fix applied in memory)     before → after`, style: 'heading'})
    for (const id of LAYER_ORDER) {
      const b = d.layers.find((l) => l.layer === id)?.status ?? '-'
      const a = after.layers.find((l) => l.layer === id)?.status ?? '-'
      out.push({text: `  ${LAYER_TITLES[id].padEnd(20)} ${b.padEnd(8)} → ${a}`, ...(a !== b ? {style: 'mark' as const} : {})})
    }
    const word = (x: Diagnosis) => (x.result.status === 'BLOCKED' ? `BLOCKED at ${BLOCKED_AT_TITLE[x.result.blockedAt!]}` : x.result.status)
    out.push({text: `  Result               ${word(d)} → ${word(after)}`, style: after.result.status === 'ALLOWED' ? 'add' : 'warn'})
  } else out.push({text: ''}, {text: 'press t: what-if (apply the fix in memory and re-run)', style: 'dim'})
  out.push({text: ''}, {text: 'Proposed change', style: 'heading'})
  if (!edits) out.push({text: 'computing the diff…', style: 'dim'})
  for (const e of edits ?? []) {
    out.push({text: `${e.file}${e.note ? ` (${e.note})` : ''}${e.writable ? '' : ' — not written by the CLI'}`, style: 'heading'})
    for (const l of unifiedDiff(e).split('\n').slice(2)) {
      if (l.startsWith('====') || l === '') continue
      out.push({text: l, ...(l.startsWith('+') && !l.startsWith('+++') ? {style: 'add' as const} : l.startsWith('-') && !l.startsWith('---') ? {style: 'del' as const} : {})})
    }
  }
  return out
}

function WatchView({ring, height, d, errors}: {ring: RingBuffer<WatchRecord>; height: number; d: Diagnosis | undefined; errors: string[]}) {
  const rows = Math.max(1, height - 2 - errors.length)
  const items = ring.toArray().slice(-rows)
  return (
    <Box flexDirection="column" height={height}>
      {d ? <ResultLine d={d} /> : <Text dimColor>evaluating…</Text>}
      <Text wrap="truncate-end">watching: {ring.total} new record{ring.total === 1 ? '' : 's'}{ring.total > ring.size ? ` (last ${ring.size} kept)` : ''}</Text>
      {errors.map((e, i) => <Colored key={i} color="yellow">✗ {e}</Colored>)}
      {items.map((r, i) => <Text key={ring.total - items.length + i} wrap="truncate-end"><StatusWord status="DENY" /> {watchLine(r)}</Text>)}
    </Box>
  )
}
