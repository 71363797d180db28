import { Box } from 'ink'
import { useCallback, useEffect, useReducer, useState } from 'react'
import type { ContinuaClient } from '../src/client/index.js'
import { CompareScreen } from './components/CompareScreen.js'
import { Footer } from './components/Footer.js'
import { HelpOverlay } from './components/HelpOverlay.js'
import { ListScreen } from './components/ListScreen.js'
import { Tabs } from './components/Tabs.js'
import { TraceScreen } from './components/TraceScreen.js'
import { useChangeStream } from './hooks/useChangeStream.js'
import { useClock } from './hooks/useClock.js'
import { useEffects } from './hooks/useEffects.js'
import { useKeys } from './hooks/useKeys.js'
import { useListPolling } from './hooks/useListPolling.js'
import { useTerminalSize } from './hooks/useTerminalSize.js'
import { useTraceLive } from './hooks/useTraceLive.js'
import { initialState, reducer } from './state/reducer.js'
import { visibleRuns, visibleSessions, visibleTraces } from './state/selectors.js'

// The root: owns the state, wires the hooks, and picks the layout for the current view.

export interface AppProps {
  client: ContinuaClient
  server: string
  /** Open this trace or run at start. */
  initialRef?: string
  pollMs?: number
}

export function App({ client, server, initialRef, pollMs = 2000 }: AppProps) {
  const { columns, rows } = useTerminalSize()
  // One row short of the screen: a frame exactly as tall as the terminal scrolls and flickers.
  const height = Math.max(6, rows - 1)
  const bodyHeight = height - 2
  const [state, dispatch] = useReducer(reducer, bodyHeight, initialState)
  const [refreshCount, setRefresh] = useState(0)
  const refresh = useCallback(() => setRefresh((n) => n + 1), [])
  const now = useClock()

  useEffect(() => dispatch({ type: 'resize', bodyHeight }), [bodyHeight])
  useEffect(() => {
    if (initialRef) dispatch({ type: 'open-trace', ref: initialRef })
  }, [initialRef])
  // Lists re-read on the server's change stream; polling is the fallback (and, slowly, a safety net).
  const [changes, setChanges] = useState(0)
  const onChange = useCallback(() => setChanges((n) => n + 1), [])
  const live = useChangeStream(client, onChange)
  // A run's trace keeps the runs list (its status and wait) fresh too.
  useListPolling(client, state.tab, state.view === 'list' || (state.view === 'trace' && !!state.trace?.runId), dispatch, `${refreshCount}:${changes}`, live ? Math.max(pollMs, 15_000) : pollMs)
  useTraceLive(client, state.view === 'trace' ? state.trace?.ref : undefined, dispatch, refreshCount)
  useKeys(dispatch)
  useEffects(state.effects, dispatch, client, refresh)

  const runs = visibleRuns(state)
  const traces = visibleTraces(state)
  const sessions = visibleSessions(state)
  const cursor = state[state.tab].cursor
  const listError = state[state.tab].error
  const filterNote = state.filter ? `filter "${state.filter}"  ` : ''
  const failedNote = state.failedOnly ? 'failed only  ' : ''
  const hints =
    filterNote +
    failedNote +
    (state.view === 'trace'
      ? `Enter fold · Tab detail · e error · f failed · / filter${state.trace?.runId ? ' · s signal · c cancel · t terminate' : ''} · Esc back · ? help`
      : state.view === 'compare'
        ? 'j/k scroll · Esc back · ? help'
        : `Enter open · / filter · : jump · f failed · e error${state.tab === 'traces' ? ' · w mark/compare' : ''}${state.tab === 'runs' ? ' · s signal · c cancel · t terminate' : ''} · ? help · q quit`)

  return (
    <Box flexDirection="column" width={columns} height={height}>
      <Tabs
        tab={state.tab}
        counts={{ runs: runs.length, traces: traces.length, sessions: sessions.length }}
        live={listError ? `⚠ ${listError}` : `${live ? '● live' : '○ polling'}  ${server}`}
        session={state.session?.label}
        marked={state.marked?.name}
        width={columns}
      />
      <Box height={bodyHeight} flexDirection="column" overflow="hidden">
        {state.overlay.kind === 'help' ? (
          <HelpOverlay width={columns} height={bodyHeight} />
        ) : state.view === 'trace' && state.trace ? (
          <TraceScreen view={state.trace} run={state.runs.rows.find((r) => r.run_id === state.trace?.runId)} height={bodyHeight} width={columns} now={now} />
        ) : state.view === 'compare' && state.compare ? (
          <CompareScreen title={state.compare.title} lines={state.compare.lines} scroll={state.compare.scroll} height={bodyHeight} />
        ) : (
          <ListScreen tab={state.tab} runs={runs} traces={traces} sessions={sessions} cursor={cursor} height={bodyHeight} width={columns} now={now} markedId={state.marked?.id} runUsage={state.runUsage} />
        )}
      </Box>
      <Footer overlay={state.overlay} message={state.message} hints={hints} width={columns} />
    </Box>
  )
}
