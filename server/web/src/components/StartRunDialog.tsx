import { useState } from 'react'
import { api, type Definition, type RunSummary } from '../api.js'
import { useLoad } from '../hooks.js'
import { navigate, withProject } from '../router.js'
import { ErrorBox, JsonField, jsonError, Loading, Modal } from './ui.js'

// The start-run dialog of /engine/runs, and "Run again" on a run: the same dialog prefilled with
// the run's definition, version and input (read from its workflow.started history event) and a
// fresh instance key.

/** The projected trace of a new run; the projection can lag a moment behind the start. */
async function traceOf(externalId: string): Promise<string | undefined> {
  for (let i = 0; i < 10; i++) {
    const found = (await api.traces({ q: externalId, limit: '1' }).catch(() => undefined))?.traces.find((t) => t.trace_id === externalId)
    if (found) return found.id
    await new Promise((r) => setTimeout(r, 300))
  }
  return undefined
}

/** A new instance key derived from the old one: same prefix, a fresh suffix. */
export function rerunInstanceKey(old: string): string {
  const base = old.replace(/-rerun-[0-9a-f]{8}$/, '').slice(0, 200)
  return `${base}-rerun-${crypto.randomUUID().slice(0, 8)}`
}

/** The input a run started with, from the first page of its history (undefined when gone). */
async function startInput(runId: string): Promise<{ found: boolean; input: unknown }> {
  const page = await api.history(runId, 0)
  const started = page.events.find((e) => e.event_type === 'workflow.started')
  return started ? { found: true, input: (started.payload as { input?: unknown }).input ?? null } : { found: false, input: {} }
}

export function RerunDialog({ run, onClose }: { run: RunSummary; onClose: () => void }) {
  const [instanceKey] = useState(() => rerunInstanceKey(run.instance_key))
  const start = useLoad(() => startInput(run.run_id).catch(() => ({ found: false, input: {} })), [run.run_id])
  if (!start.data)
    return (
      <Modal title="Run again" onClose={onClose}>
        <Loading />
      </Modal>
    )
  return (
    <StartRunDialog
      title="Run again"
      toTrace
      onClose={onClose}
      initial={{ definition: run.definition_name, version: run.definition_version, instanceKey, input: JSON.stringify(start.data.input, null, 2) }}
      note={start.data.found ? `Prefilled from run ${run.run_id.slice(0, 8)} (${run.instance_key}).` : "The run's history is gone, so its input could not be read: fill it in."}
    />
  )
}

export interface StartRunInitial {
  definition: string
  version: string
  instanceKey: string
  /** JSON text for the input box. */
  input: string
}

/**
 * Starts a run through POST /v1/engine/runs: empty for "Start run", prefilled for "Run again".
 * After the start it goes to the new run's page, or to its trace when `toTrace` is set.
 */
export function StartRunDialog({ onClose, initial, title = 'Start a run', toTrace, note }: { onClose: () => void; initial?: StartRunInitial; title?: string; toTrace?: boolean; note?: string }) {
  const defs = useLoad(() => api.definitions(), [])
  const [definition, setDefinition] = useState(initial?.definition ?? '')
  const [version, setVersion] = useState(initial?.version ?? '')
  const [instanceKey, setInstanceKey] = useState(initial?.instanceKey ?? '')
  const [requestKey] = useState(() => `web-${crypto.randomUUID()}`)
  const [input, setInput] = useState(initial?.input ?? '{}')
  const [error, setError] = useState<unknown>()
  const [preflight, setPreflight] = useState<string>()
  const [busy, setBusy] = useState(false)
  const inputError = jsonError(input)
  const choose = (d: Definition) => {
    setDefinition(d.definition_name)
    setVersion(d.definition_version)
  }
  const check = async () => {
    if (!instanceKey.trim()) return setPreflight(undefined)
    try {
      const i = await api.instance(instanceKey.trim())
      setPreflight(`exists (${i.current_run?.status.toLowerCase() ?? i.status}): starting again may conflict`)
    } catch {
      setPreflight('available')
    }
  }
  const submit = async () => {
    setBusy(true)
    setError(undefined)
    try {
      const r = await api.startRun({ definition_name: definition.trim(), definition_version: version.trim(), instance_key: instanceKey.trim(), request_key: requestKey, input: JSON.parse(input || 'null') })
      const to = toTrace ? await traceOf(r.trace_id ?? `engine:${r.run_id}`) : undefined
      onClose()
      navigate(withProject(to ? `/traces/${to}?tab=engine` : `/engine/runs/${r.run_id}`))
    } catch (e) {
      setError(e)
    } finally {
      setBusy(false)
    }
  }
  return (
    <Modal
      title={title}
      onClose={onClose}
      footer={
        <>
          <button className="btn" onClick={onClose}>
            Cancel
          </button>
          <button className="btn primary" disabled={busy || !definition.trim() || !version.trim() || !instanceKey.trim() || Boolean(inputError)} onClick={submit}>
            {initial ? 'Run again' : 'Start'}
          </button>
        </>
      }
    >
      <div className="form">
        {note ? <div className="muted small" data-testid="start-run-note">{note}</div> : null}
        {defs.data?.definitions.length ? (
          <label className="field">
            <span>Registered definitions</span>
            <select
              className="input"
              aria-label="Registered definition"
              value={`${definition}@${version}`}
              onChange={(e) => {
                const d = defs.data!.definitions.find((x) => `${x.definition_name}@${x.definition_version}` === e.target.value)
                if (d) choose(d)
              }}
            >
              <option value="@">choose…</option>
              {defs.data.definitions.map((d) => (
                <option key={`${d.definition_name}@${d.definition_version}`} value={`${d.definition_name}@${d.definition_version}`}>
                  {d.definition_name}@{d.definition_version} {d.live ? '' : '(no live worker)'}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <label className="field">
          <span>Definition name</span>
          <input className="input" value={definition} onChange={(e) => setDefinition(e.target.value)} aria-label="Definition name" />
        </label>
        <label className="field">
          <span>Version</span>
          <input className="input" value={version} onChange={(e) => setVersion(e.target.value)} aria-label="Definition version" />
        </label>
        <label className="field">
          <span>Instance key</span>
          <input className="input" value={instanceKey} onChange={(e) => setInstanceKey(e.target.value)} onBlur={check} aria-label="Instance key" />
          {preflight ? <span className="muted small">{preflight}</span> : null}
        </label>
        <JsonField label="Input (JSON)" ariaLabel="Input JSON" value={input} onChange={setInput} />
        <div className="muted small">Request key: {requestKey}</div>
        <ErrorBox error={error} />
      </div>
    </Modal>
  )
}
