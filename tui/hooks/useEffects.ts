import { useApp } from 'ink'
import { useEffect, type Dispatch } from 'react'
import type { ContinuaClient } from '../../src/client/index.js'
import { compareTraces, controlRun } from '../effects.js'
import type { Effect } from '../state/keymap.js'
import type { Action } from '../state/reducer.js'

// Runs the side effects keys asked for (quit, refresh, run control, compare), once each.

export function useEffects(effects: Effect[], dispatch: Dispatch<Action>, client: ContinuaClient, refresh: () => void): void {
  const { exit } = useApp()
  useEffect(() => {
    if (!effects.length) return
    dispatch({ type: 'effects-taken', count: effects.length })
    for (const e of effects) {
      if (e.kind === 'exit') exit()
      else if (e.kind === 'refresh') refresh()
      else if (e.kind === 'control') void controlRun(client, dispatch, e.action, e.runId, e.signalName, e.payload).then(refresh)
      else void compareTraces(client, dispatch, e.a, e.b)
    }
  }, [effects, dispatch, client, refresh, exit])
}
