import { useEffect, useState, type ReactNode } from 'react'
import { ApiError } from '../api.js'
import { copy, statusClass } from '../format.js'

export function Status({ value }: { value: string | undefined }) {
  return <span className={`badge ${statusClass(value)}`}>{(value ?? '—').toLowerCase()}</span>
}

export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null
  const e = error as Error
  return (
    <div className="error-box" role="alert">
      {e instanceof ApiError ? <code>{e.code}</code> : null} {e.message}
    </div>
  )
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>
}

export function Loading() {
  return <div className="loading">Loading…</div>
}

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [done, setDone] = useState(false)
  return (
    <button
      className="btn ghost small"
      title={`Copy ${text}`}
      onClick={() => {
        copy(text)
        setDone(true)
        setTimeout(() => setDone(false), 1200)
      }}
    >
      {done ? 'Copied' : label}
    </button>
  )
}

export function Modal({ title, onClose, children, footer }: { title: string; onClose: () => void; children: ReactNode; footer?: ReactNode }) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose()
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [onClose])
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="modal" role="dialog" aria-modal="true" aria-label={title}>
        <div className="modal-head">
          <h2>{title}</h2>
          <button className="btn ghost small" onClick={onClose} aria-label="Close">
            ✕
          </button>
        </div>
        <div className="modal-body">{children}</div>
        {footer ? <div className="modal-foot">{footer}</div> : null}
      </div>
    </div>
  )
}

/** Asks before a destructive or state-changing action; shows the server's refusal inline. */
export function Confirm({ title, message, confirmLabel, danger, onConfirm, onClose }: { title: string; message: ReactNode; confirmLabel: string; danger?: boolean; onConfirm: () => Promise<unknown>; onClose: () => void }) {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>()
  return (
    <Modal
      title={title}
      onClose={onClose}
      footer={
        <>
          <button className="btn" onClick={onClose}>
            Cancel
          </button>
          <button
            className={`btn ${danger ? 'danger' : 'primary'}`}
            disabled={busy}
            onClick={async () => {
              setBusy(true)
              try {
                await onConfirm()
                onClose()
              } catch (e) {
                setError(e)
              } finally {
                setBusy(false)
              }
            }}
          >
            {confirmLabel}
          </button>
        </>
      }
    >
      <p>{message}</p>
      <ErrorBox error={error} />
    </Modal>
  )
}

/** Why `text` is not JSON (empty text reads as null), or undefined when it parses. */
export function jsonError(text: string): string | undefined {
  try {
    JSON.parse(text || 'null')
    return undefined
  } catch (e) {
    return (e as Error).message
  }
}

/** A labelled JSON textarea that says why its text does not parse. */
export function JsonField({ label, ariaLabel, value, onChange }: { label: string; ariaLabel: string; value: string; onChange: (value: string) => void }) {
  const error = jsonError(value)
  return (
    <label className="field">
      <span>{label}</span>
      <textarea className="input mono" rows={5} value={value} onChange={(e) => onChange(e.target.value)} aria-label={ariaLabel} />
      {error ? <span className="text-failed small">{error}</span> : null}
    </label>
  )
}

/** A secret shown once, with copy. */
export function KeyReveal({ apiKey, onDone }: { apiKey: string; onDone: () => void }) {
  return (
    <div className="key-reveal" data-testid="key-reveal">
      <p>
        <strong>Copy this API key now.</strong> It is shown only once; the server keeps only its hash.
      </p>
      <div className="row">
        <code className="secret" data-testid="revealed-key">
          {apiKey}
        </code>
        <CopyButton text={apiKey} />
        <button className="btn small" onClick={onDone}>
          Done
        </button>
      </div>
    </div>
  )
}

export function Stat({ label, value, tone }: { label: string; value: ReactNode; tone?: string }) {
  return (
    <div className={`stat ${tone ?? ''}`}>
      <div className="stat-label">{label}</div>
      <div className="stat-value">{value}</div>
    </div>
  )
}

export function Tabs<T extends string>({ tabs, value, onChange }: { tabs: Array<[T, string]>; value: T; onChange: (v: T) => void }) {
  return (
    <div className="tabs" role="tablist">
      {tabs.map(([id, label]) => (
        <button key={id} role="tab" aria-selected={value === id} className={value === id ? 'tab active' : 'tab'} onClick={() => onChange(id)}>
          {label}
        </button>
      ))}
    </div>
  )
}
