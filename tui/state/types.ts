import type { RunSummary } from '../../src/contract/runs.js'
import type { Session } from '../../src/contract/sessions.js'
import type { Span, TimelineEvent, Trace, TraceDetail } from '../../src/contract/traces.js'
import type { SpanTree, TreeRow } from '../../src/trace-view/tree.js'
import type { Effect } from './keymap.js'

export interface RunUsage {
  tokensIn: number
  tokensOut: number
  cost: string
}

export type Tab = 'runs' | 'traces' | 'sessions'
export const TABS: readonly Tab[] = ['runs', 'traces', 'sessions']

export interface ListState<T> {
  rows: T[]
  cursor: number
  loaded: boolean
  error?: string
}

export type InputPurpose = 'filter' | 'jump' | 'signal-name' | 'signal-payload'

export type Overlay =
  | { kind: 'none' }
  | { kind: 'help' }
  | { kind: 'input'; purpose: InputPurpose; value: string; runId?: string; signalName?: string }
  | { kind: 'confirm'; action: 'signal' | 'cancel' | 'terminate'; runId: string; label: string; signalName?: string; payload?: unknown }

export interface TraceView {
  ref: string
  runId?: string
  trace?: TraceDetail
  spans: Span[]
  events: TimelineEvent[]
  tree?: SpanTree
  rows: TreeRow[]
  cursor: number
  folded: ReadonlySet<string>
  focus: 'tree' | 'detail'
  detailScroll: number
  jsonDepth: number
  live: 'loading' | 'sse' | 'polling' | 'ended'
  error?: string
}

export interface AppState {
  tab: Tab
  view: 'list' | 'trace' | 'compare'
  runs: ListState<RunSummary>
  /** Tokens and cost of each run, from its trace (`engine:<run id>`). */
  runUsage: ReadonlyMap<string, RunUsage>
  traces: ListState<Trace>
  sessions: ListState<Session>
  /** Traces tab narrowed to one session (Enter on a session). */
  session?: { id: string; label: string }
  filter: string
  failedOnly: boolean
  trace?: TraceView
  compare?: { title: string; lines: string[]; scroll: number }
  marked?: { id: string; name: string; sessionId?: string }
  overlay: Overlay
  message?: { text: string; error: boolean }
  /** Rows available to the scrolling body. */
  bodyHeight: number
  /** Side effects asked for by keys, run and removed by App. */
  effects: Effect[]
}
