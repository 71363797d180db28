import { useState } from 'react'
import { credentials, projectKeys } from '../api.js'
import { useShell } from '../App.js'
import { startLogin, tokenEmail } from '../oidc.js'
import { applyTheme, storedTheme, type Theme } from '../theme.js'
import { ErrorBox } from '../components/ui.js'
import { Link } from '../router.js'

export function Settings() {
  const shell = useShell()
  const [key, setKey] = useState(credentials.apiKey())
  const [theme, setTheme] = useState<Theme>(storedTheme())
  const [error, setError] = useState<unknown>()
  const token = credentials.oidcToken()
  return (
    <div className="page">
      <div className="page-head">
        <h1>Settings</h1>
      </div>
      <div className="card">
        <h3>Access</h3>
        <p>
          Mode: <strong>{shell.mode === 'local' ? 'local (loopback, no credentials needed)' : shell.mode === 'demo' ? 'public demo (read-only)' : token ? `operator ${tokenEmail(token) ?? ''} (OIDC)` : 'API key or admin token'}</strong>
        </p>
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault()
            credentials.setOidcToken('')
            credentials.setApiKey(key.trim())
          }}
        >
          <input className="input" type="password" placeholder="API key (pk_…) or admin token" value={key} onChange={(e) => setKey(e.target.value)} aria-label="API key or admin token" />
          <button className="btn primary" type="submit">
            Save
          </button>
          <button
            className="btn"
            type="button"
            onClick={() => {
              setKey('')
              credentials.setApiKey('')
            }}
          >
            Clear
          </button>
        </form>
        <p className="muted small">Kept in this browser's local storage and sent as Authorization: Bearer.</p>
        {shell.config.enabled ? (
          <div className="row">
            {token ? (
              <button className="btn" onClick={() => credentials.setOidcToken('')}>
                Sign out
              </button>
            ) : (
              <button className="btn" onClick={() => startLogin(shell.config).catch(setError)}>
                Sign in with {shell.config.oidc_provider_name ?? 'your identity provider'}
              </button>
            )}
          </div>
        ) : null}
        <ErrorBox error={error} />
      </div>
      <SavedKeys />
      <div className="card">
        <h3>Engine tools</h3>
        <div className="list-line">
          <Link to="/tools/engine-projections">Engine projections</Link> <span className="muted small">preview and backfill missing run projections</span>
        </div>
        <div className="list-line">
          <Link to="/tools/engine-health">Engine health</Link> <span className="muted small">workers, leases and queue depths</span>
        </div>
      </div>
      <div className="card">
        <h3>Appearance</h3>
        <div className="chips" role="radiogroup" aria-label="Theme">
          {(['system', 'light', 'dark'] as const).map((t) => (
            <button
              key={t}
              className={`chip ${theme === t ? 'on' : ''}`}
              onClick={() => {
                applyTheme(t)
                setTheme(t)
              }}
            >
              {t}
            </button>
          ))}
        </div>
      </div>
      <div className="card">
        <h3>Keyboard</h3>
        <ul className="small">
          <li>
            <kbd>Ctrl</kbd>/<kbd>⌘</kbd> + <kbd>K</kbd>: command palette (pages, and lookup by trace, session or run id)
          </li>
          <li>In the span tree: <kbd>↑</kbd>/<kbd>↓</kbd> select, <kbd>→</kbd>/<kbd>←</kbd> expand or collapse, <kbd>Home</kbd>/<kbd>End</kbd></li>
          <li>In filters: <kbd>Enter</kbd> applies, <kbd>Esc</kbd> reverts</li>
        </ul>
      </div>
    </div>
  )
}

/** Project keys this browser remembers (from projects created or rotated here). */
function SavedKeys() {
  const [keys, setKeys] = useState(projectKeys.all())
  const entries = Object.entries(keys)
  if (!entries.length) return null
  return (
    <div className="card">
      <h3>Saved project keys</h3>
      <p className="muted small">With a project key in use, the project menu offers these projects and switches to their key.</p>
      {entries.map(([id, k]) => (
        <div key={id} className="list-line">
          <strong>{k.name}</strong> <span className="mono small muted">{k.key.slice(0, 11)}…</span>
          <button
            className="btn small"
            onClick={() => {
              projectKeys.forget(id)
              setKeys(projectKeys.all())
            }}
          >
            Forget
          </button>
        </div>
      ))}
    </div>
  )
}
