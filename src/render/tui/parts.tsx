// Small presentational pieces shared by the TUI screens.
import React from 'react'
import {Box, Text} from 'ink'
import type {LayerStatus} from '../../core/result.js'
import type {Line} from './drill.js'

export const ColorContext = React.createContext(true)

const STATUS_COLOR: Record<string, string> = {
  PASS: 'green', ALLOWED: 'green', DENY: 'red', FAIL: 'red', BLOCKED: 'red', WARN: 'yellow', UNKNOWN: 'magenta', SKIP: 'gray',
}

/** A coloured word; plain text when colour is off (NO_COLOR, --no-color, not a TTY). */
export function Colored({color, children, bold}: {color?: string; children: React.ReactNode; bold?: boolean}) {
  const on = React.useContext(ColorContext)
  return <Text {...(on && color ? {color} : {})} {...(bold ? {bold: true} : {})}>{children}</Text>
}

export function StatusWord({status}: {status: LayerStatus | 'ALLOWED' | 'BLOCKED' | 'UNKNOWN'}) {
  return <Colored color={STATUS_COLOR[status]} bold>{status}</Colored>
}

const LINE_COLOR: Record<NonNullable<Line['style']>, string | undefined> = {heading: 'cyan', mark: 'yellow', add: 'green', del: 'red', dim: 'gray', warn: 'yellow'}

/** A window of `height` lines starting at `offset`; lines matching `search` are highlighted. */
export function ScrollView({lines, offset, height, search}: {lines: Line[]; offset: number; height: number; search?: string}) {
  const on = React.useContext(ColorContext)
  const visible = lines.slice(offset, offset + height)
  return (
    <Box flexDirection="column" height={height}>
      {visible.map((l, i) => {
        const hit = search && l.text.toLowerCase().includes(search.toLowerCase())
        const color = on ? LINE_COLOR[l.style ?? 'dim'] : undefined
        return (
          <Text key={offset + i} wrap="truncate-end" {...(l.style && color ? {color} : {})} {...(hit ? {inverse: true} : {})} {...(l.style === 'heading' ? {bold: true} : {})}>
            {l.text === '' ? ' ' : l.text}
          </Text>
        )
      })}
    </Box>
  )
}

export function Footer({keys}: {keys: string}) {
  return <Text wrap="truncate-end" dimColor>{keys}</Text>
}

export function elapsed(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`
}
