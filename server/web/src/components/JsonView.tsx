import { createContext, useContext, useMemo, useState } from 'react'
import { copy } from '../format.js'

// Collapsible JSON tree: collapsed below depth 2 and for containers with more than 200 children;
// search highlights matching keys and values; every node copies its value or its path.

const MAX_CHILDREN_SHOWN = 500
const EXPAND_ALL_MAX_NODES = 5000
const ExpandAll = createContext(false)

function countNodes(v: unknown, cap: number): number {
  if (v === null || typeof v !== 'object') return 1
  let n = 1
  for (const c of Object.values(v as object)) {
    n += countNodes(c, cap - n)
    if (n > cap) break
  }
  return n
}

export function JsonView({ value, name = '$', search = '' }: { value: unknown; name?: string; search?: string }) {
  const [filter, setFilter] = useState(search)
  const [all, setAll] = useState(false)
  const matches = useMemo(() => (filter ? countMatches(value, filter.toLowerCase()) : 0), [value, filter])
  const tooBig = useMemo(() => countNodes(value, EXPAND_ALL_MAX_NODES + 1) > EXPAND_ALL_MAX_NODES, [value])
  if (value === undefined) return <div className="muted">(none)</div>
  return (
    <div className="json">
      <div className="json-tools">
        <input className="input small" placeholder="Search payload" value={filter} onChange={(e) => setFilter(e.target.value)} aria-label="Search payload" />
        {filter ? <span className="muted small">{matches} match{matches === 1 ? '' : 'es'}</span> : null}
        <button className="btn ghost small" onClick={() => copy(JSON.stringify(value, null, 2))}>
          Copy JSON
        </button>
        <button className="btn ghost small" disabled={tooBig && !all} title={tooBig ? `More than ${EXPAND_ALL_MAX_NODES} nodes` : ''} onClick={() => setAll(!all)}>
          {all ? 'Collapse' : 'Expand all'}
        </button>
      </div>
      <ExpandAll.Provider value={all}>
        <Node key={String(all)} k={name} v={value} depth={0} path="$" filter={filter.toLowerCase()} />
      </ExpandAll.Provider>
    </div>
  )
}

function countMatches(v: unknown, f: string): number {
  if (v === null || typeof v !== 'object') return String(v).toLowerCase().includes(f) ? 1 : 0
  let n = 0
  for (const [k, c] of Object.entries(v as object)) n += (k.toLowerCase().includes(f) ? 1 : 0) + countMatches(c, f)
  return n
}

function contains(v: unknown, f: string): boolean {
  return countMatches(v, f) > 0
}

function Node({ k, v, depth, path, filter }: { k: string; v: unknown; depth: number; path: string; filter: string }) {
  const isObj = v !== null && typeof v === 'object'
  const entries = isObj ? Object.entries(v as object) : []
  const [open, setOpen] = useState<boolean | undefined>(undefined)
  const all = useContext(ExpandAll)
  const autoOpen = all || (depth < 2 && entries.length <= 200)
  const expanded = open ?? (filter ? contains(v, filter) : autoOpen)
  const keyHit = filter && k.toLowerCase().includes(filter)
  if (!isObj) {
    const text = typeof v === 'string' ? JSON.stringify(v) : String(v)
    const hit = filter && text.toLowerCase().includes(filter)
    return (
      <div className="jrow" style={{ paddingLeft: depth * 14 }}>
        <span className={`jkey ${keyHit ? 'hit' : ''}`} title={path} onClick={() => copy(path)}>
          {k}:
        </span>{' '}
        <span className={`jval j-${v === null ? 'null' : typeof v} ${hit ? 'hit' : ''}`} onClick={() => copy(typeof v === 'string' ? v : text)} title="Click to copy">
          {text}
        </span>
      </div>
    )
  }
  const arr = Array.isArray(v)
  return (
    <div>
      <div className="jrow" style={{ paddingLeft: depth * 14 }}>
        <button className="jtoggle" onClick={() => setOpen(!expanded)} aria-label={expanded ? 'Collapse' : 'Expand'}>
          {expanded ? '▾' : '▸'}
        </button>
        <span className={`jkey ${keyHit ? 'hit' : ''}`} title={`${path} (click to copy path)`} onClick={() => copy(path)}>
          {k}
        </span>{' '}
        <span className="muted">{arr ? `[${entries.length}]` : `{${entries.length}}`}</span>
      </div>
      {expanded
        ? entries.slice(0, MAX_CHILDREN_SHOWN).map(([ck, cv]) => (
            <Node key={ck} k={ck} v={cv} depth={depth + 1} path={arr ? `${path}[${ck}]` : `${path}.${ck}`} filter={filter} />
          ))
        : null}
      {expanded && entries.length > MAX_CHILDREN_SHOWN ? (
        <div className="muted small" style={{ paddingLeft: (depth + 1) * 14 }}>
          … {entries.length - MAX_CHILDREN_SHOWN} more (copy the JSON to see all)
        </div>
      ) : null}
    </div>
  )
}
