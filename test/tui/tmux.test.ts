// The built CLI in a real terminal: tmux at 80×24, keyboard only. Picks the blocked pair
// commerce/inventory → commerce/orders-db by typing, opens the L4 drill-down, toggles the
// fix's what-if (ALLOWED), quits; capture-pane asserts each screen and that the terminal is
// back to normal (cursor shown, echo and canonical mode on), with NO_COLOR honoured. Skips
// when tmux is absent.
import {execFileSync, spawnSync} from 'node:child_process'
import {mkdtempSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {PROJECT_ROOT} from '../helpers/shared.js'

const hasTmux = spawnSync('tmux', ['-V']).status === 0
if (!hasTmux) console.warn('skipped: tmux not found (install it: apt-get install -y tmux); the real-terminal TUI test needs it')

const session = `platform-tui-${process.pid}`
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', session, ...args], {encoding: 'utf8'})
const screen = () => tmux('capture-pane', '-p', '-t', session)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function until(ok: (s: string) => boolean, what: string, timeoutMs = 15_000): Promise<string> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const s = screen()
    if (ok(s)) return s
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; screen:\n${s}`)
    await sleep(100)
  }
}

async function keys(...ks: string[]): Promise<void> {
  for (const k of ks) {
    if (k.length === 1) tmux('send-keys', '-t', session, '-l', k)
    else tmux('send-keys', '-t', session, k)
    await sleep(120)
  }
}

describe.skipIf(!hasTmux)('platform debug tui in tmux at 80×24', () => {
  afterAll(() => {
    spawnSync('tmux', ['-L', session, 'kill-server'])
  })

  it('triages a blocked pair with the keyboard alone and restores the terminal', async () => {
    const cache = mkdtempSync(path.join(os.tmpdir(), 'tui-xdg-'))
    const cmd = `cd ${PROJECT_ROOT} && XDG_CACHE_HOME=${cache} NO_COLOR=1 node bin/run.js debug tui --specs examples/commerce; echo "EXIT=$?"; echo "TTY=$(stty -a | tr ' ;' '\\n\\n' | grep -x -- '-\\?\\(icanon\\|echo\\)' | tr '\\n' ',')"; exec sleep 60`
    tmux('new-session', '-d', '-s', session, '-x', '80', '-y', '24', `sh -c '${cmd.replace(/'/g, `'\\''`)}'`)

    let s = await until((x) => x.includes('Pick the caller (A)') && x.includes('orders-db'), 'the picker')
    expect(s).toMatch(/›\s+checkout\s+commerce/)
    await keys('i', 'n', 'v')
    s = await until((x) => x.includes('search: inv'), 'the filtered list')
    expect(s).toMatch(/›\s+inventory/)
    expect(s).not.toContain('payments')
    await keys('Enter')
    await until((x) => x.includes('callee (B) for commerce/inventory'), 'the callee picker')
    await keys('o', 'r', 'd', 'Enter')

    s = await until((x) => x.includes('Result: BLOCKED at L4'), 'the verdict')
    expect(s).toContain('commerce/inventory → commerce/orders-db (offline)')
    expect(s).toMatch(/L4 \(Cilium\)\s+DENY/)
    expect(s.split('\n').every((l) => l.length <= 80)).toBe(true)
    // NO_COLOR: no foreground colour codes on the screen (bold/inverse are not colours).
    expect(tmux('capture-pane', '-e', '-p', '-t', session)).not.toMatch(/\x1b\[(3[0-7]|9[0-7])m/)

    await keys('j', 'j', 'j', 'Enter')
    s = await until((x) => x.includes('▶'), 'the L4 drill-down')
    expect(s).toMatch(/▶\s+egress: true/)

    await keys('Escape', 'f')
    s = await until((x) => x.includes('+      inventory: {type: service, direction: inbound}'), 'the fix diff')
    expect(s).toContain('examples/commerce/orders-db.yaml')
    await keys('t')
    s = await until((x) => x.includes('What-if'), 'the what-if')
    expect(s).toContain('BLOCKED at L4 → ALLOWED')

    // Resize: still drawn, within the new width.
    tmux('resize-window', '-t', session, '-x', '100', '-y', '30')
    await sleep(400)
    tmux('resize-window', '-t', session, '-x', '80', '-y', '24')
    s = await until((x) => x.includes('What-if'), 'the redraw after resize')

    await keys('?')
    s = await until((x) => x.includes('Keys'), 'the help overlay')
    expect(s).toContain('q, Ctrl-C')
    await keys('x', 'q')
    s = await until((x) => x.includes('EXIT='), 'the exit')
    // Exit code as for the text report: 1 = blocked.
    expect(s).toContain('EXIT=1')
    // Echo and canonical mode are back (no leading '-'), the cursor is visible.
    expect(s).toContain('TTY=icanon,echo,')
    expect(tmux('display-message', '-p', '-t', session, '#{cursor_flag}').trim()).toBe('1')
  })
})
