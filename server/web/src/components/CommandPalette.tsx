import { useEffect, useMemo, useRef, useState } from 'react'
import { api, type Trace } from '../api.js'
import { UUID_RE } from '../format.js'
import { navigate, withProject } from '../router.js'

// Ctrl/Cmd+K: navigation commands, plus lookup of a trace, run or session by id (internal UUID
// or external trace id).

interface Command {
  id: string
  title: string
  hint?: string
  go: () => void
}

const PAGES: Array<[string, string, string]> = [
  ['/dashboard', 'Overview', 'dashboard home'],
  ['/traces', 'Traces', 'list search'],
  ['/traces?status=failed', 'Failed traces', 'errors'],
  ['/sessions', 'Sessions', 'journeys'],
  ['/engine/runs', 'Engine runs', 'workflows durable'],
  ['/engine/health', 'Engine health', 'workers queues'],
  ['/projects', 'Projects and API keys', 'keys rotate'],
  ['/settings', 'Settings', 'theme api key login'],
]

export function CommandPalette({ onClose }: { onClose: () => void }) {
  const [text, setText] = useState('')
  const [found, setFound] = useState<Command[]>([])
  const [active, setActive] = useState(0)
  const input = useRef<HTMLInputElement>(null)
  useEffect(() => input.current?.focus(), [])

  useEffect(() => {
    const q = text.trim()
    setFound([])
    if (q.length < 3) return
    let live = true
    const t = setTimeout(async () => {
      const out: Command[] = []
      const add = (c: Command) => live && out.push(c)
      const tries: Array<Promise<unknown>> = []
      if (UUID_RE.test(q)) {
        tries.push(api.trace(q).then((t) => add({ id: 't' + t.id, title: `Trace ${t.name}`, hint: t.status.toLowerCase(), go: () => navigate(withProject(`/traces/${t.id}`)) })))
        tries.push(api.session(q).then((s) => add({ id: 's' + s.id, title: `Session ${s.name ?? s.external_id}`, hint: `${s.trace_count} traces`, go: () => navigate(withProject(`/sessions/${s.id}`)) })))
        tries.push(api.run(q).then((r) => add({ id: 'r' + r.run_id, title: `Run ${r.definition_name} · ${r.instance_key}`, hint: r.status.toLowerCase(), go: () => navigate(withProject(`/engine/runs/${r.run_id}`)) })))
      }
      if (!UUID_RE.test(q)) {
        tries.push(api.instance(q).then((i) => i.current_run && add({ id: 'r' + i.current_run.run_id, title: `Run ${i.current_run.definition_name} · ${i.instance_key}`, hint: i.current_run.status.toLowerCase(), go: () => navigate(withProject(`/engine/runs/${i.current_run!.run_id}`)) })))
      }
      tries.push(
        api.traces({ q, limit: '5' }).then((l) =>
          l.traces.forEach((t: Trace) => add({ id: 't' + t.id, title: `Trace ${t.name}`, hint: `${t.trace_id} · ${t.status.toLowerCase()}`, go: () => navigate(withProject(`/traces/${t.id}`)) })),
        ),
      )
      tries.push(
        api.sessions({ q, limit: '3' }).then((l) =>
          l.sessions.forEach((s) => add({ id: 's' + s.id, title: `Session ${s.name ?? s.external_id}`, hint: s.external_id, go: () => navigate(withProject(`/sessions/${s.id}`)) })),
        ),
      )
      await Promise.allSettled(tries)
      if (live) setFound(dedupe(out))
    }, 200)
    return () => {
      live = false
      clearTimeout(t)
    }
  }, [text])

  const commands = useMemo(() => {
    const q = text.trim().toLowerCase()
    const pages = PAGES.filter(([, title, kw]) => !q || title.toLowerCase().includes(q) || kw.includes(q)).map(([to, title]) => ({ id: to, title, hint: 'Go to', go: () => navigate(withProject(to)) }))
    return [...found, ...pages]
  }, [text, found])

  const run = (c: Command | undefined) => {
    if (!c) return
    onClose()
    c.go()
  }

  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="palette" role="dialog" aria-label="Command palette">
        <input
          ref={input}
          className="input palette-input"
          placeholder="Go to a page, or paste a trace / session / run id…"
          value={text}
          onChange={(e) => {
            setText(e.target.value)
            setActive(0)
          }}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown') setActive((a) => Math.min(a + 1, commands.length - 1))
            else if (e.key === 'ArrowUp') setActive((a) => Math.max(a - 1, 0))
            else if (e.key === 'Enter') run(commands[active])
            else if (e.key === 'Escape') onClose()
            else return
            e.preventDefault()
          }}
        />
        <ul className="palette-list">
          {commands.map((c, i) => (
            <li key={c.id} className={i === active ? 'active' : ''} onMouseEnter={() => setActive(i)} onClick={() => run(c)}>
              <span>{c.title}</span>
              {c.hint ? <span className="muted small">{c.hint}</span> : null}
            </li>
          ))}
          {commands.length === 0 ? <li className="muted">No match</li> : null}
        </ul>
      </div>
    </div>
  )
}

function dedupe(list: Command[]): Command[] {
  const seen = new Set<string>()
  return list.filter((c) => (seen.has(c.id) ? false : (seen.add(c.id), true)))
}
