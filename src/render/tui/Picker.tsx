import React from 'react'
import {Box, Text} from 'ink'
import {Colored} from './parts.js'
import {keyOfEndpoint} from './fuzzy-pick.js'
import type {Endpoint} from './session.js'

export interface PickerProps {
  title: string
  query: string
  items: Endpoint[]
  selected: number
  height: number
  recents: string[]
  loading?: boolean
  error?: string
}

/** The list of services and mesh members, the query line, the selection. */
export function Picker({title, query, items, selected, height, recents, loading, error}: PickerProps) {
  const rows = Math.max(1, height - 3)
  const start = Math.max(0, Math.min(selected - Math.floor(rows / 2), items.length - rows))
  const shown = items.slice(start, start + rows)
  return (
    <Box flexDirection="column" height={height}>
      <Text bold wrap="truncate-end">{title}</Text>
      <Text wrap="truncate-end">search: {query}<Text inverse> </Text></Text>
      {error ? <Colored color="red">{error}</Colored> : null}
      {loading ? <Text dimColor>loading services…</Text> : null}
      {!loading && items.length === 0 ? <Text dimColor>no match</Text> : null}
      {shown.map((e, i) => {
        const idx = start + i
        const on = idx === selected
        return (
          <Text key={keyOfEndpoint(e)} wrap="truncate-end" {...(on ? {inverse: true} : {})}>
            {on ? '› ' : '  '}{e.name.padEnd(24)} <Text dimColor>{e.namespace.padEnd(14)} {e.kind === 'LatticeMeshMember' ? 'mesh member' : 'service'}{recents.includes(keyOfEndpoint(e)) ? ' · recent' : ''}</Text>
          </Text>
        )
      })}
    </Box>
  )
}

export function PortPicker({target, ports, selected}: {target: string; ports: string[]; selected: number}) {
  return (
    <Box flexDirection="column">
      <Text bold>{target} has several ports: pick one (enter), or esc for every port</Text>
      {ports.map((p, i) => <Text key={p} {...(i === selected ? {inverse: true} : {})}>{i === selected ? '› ' : '  '}{p}</Text>)}
    </Box>
  )
}
