// Entry of the TUI path: the only module that imports ink and React (the commands import it
// lazily, so `platform --help` and the text report never load them).
import React from 'react'
import {render} from 'ink'
import type {Diagnosis} from '../../diagnose/model.js'
import {App, type AppProps} from './App.js'

/** Runs the TUI until the user quits; resolves with the last diagnosis shown. */
export async function runTui(props: Omit<AppProps, 'onExit'>): Promise<Diagnosis | undefined> {
  let last: Diagnosis | undefined
  const app = render(<App {...props} onExit={(d) => (last = d)} />, {exitOnCtrlC: false})
  await app.waitUntilExit()
  app.cleanup()
  return last
}

export {offlineSession, liveSession} from './sessions.js'
