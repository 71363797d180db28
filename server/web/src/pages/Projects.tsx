import { useState } from 'react'
import { api, credentials, projectKeys, type Project } from '../api.js'
import { useShell } from '../App.js'
import { Confirm, ErrorBox, KeyReveal, Loading } from '../components/ui.js'
import { fmtAgo, fmtTime } from '../format.js'
import { useLoad } from '../hooks.js'
import { setQuery } from '../router.js'

// Projects and their API keys: create (key shown once), rename, rotate (new key shown once),
// add and revoke keys, delete with confirmation.

export function Projects() {
  const shell = useShell()
  const [name, setName] = useState('')
  const [revealed, setRevealed] = useState<{ project: string; key: string }>()
  const [error, setError] = useState<unknown>()
  const [confirm, setConfirm] = useState<{ kind: 'rotate' | 'delete'; project: Project }>()
  const create = async () => {
    setError(undefined)
    try {
      const p = await api.createProject(name.trim())
      projectKeys.remember(p.id, p.name, p.api_key)
      setName('')
      setRevealed({ project: p.id, key: p.api_key })
      shell.reloadProjects()
      setQuery({ project_id: p.id })
    } catch (e) {
      setError(e)
    }
  }
  return (
    <div className="page">
      <div className="page-head">
        <h1>Projects</h1>
      </div>
      {!shell.readOnly ? (
        <form
          className="row card"
          onSubmit={(e) => {
            e.preventDefault()
            void create()
          }}
        >
          <input className="input" placeholder="New project name" value={name} onChange={(e) => setName(e.target.value)} aria-label="New project name" maxLength={100} />
          <button className="btn primary" type="submit" disabled={!name.trim()}>
            Create project
          </button>
        </form>
      ) : null}
      <ErrorBox error={error} />
      {revealed ? <KeyReveal apiKey={revealed.key} onDone={() => setRevealed(undefined)} /> : null}
      {shell.projects.length === 0 ? <div className="empty">No projects yet. Create one to get an API key for ingest.</div> : null}
      {shell.projects.map((p) => (
        <ProjectCard key={p.id} project={p} selected={p.id === shell.projectId} readOnly={shell.readOnly} onRotate={() => setConfirm({ kind: 'rotate', project: p })} onDelete={() => setConfirm({ kind: 'delete', project: p })} onRenamed={shell.reloadProjects} />
      ))}
      {confirm?.kind === 'rotate' ? (
        <Confirm
          title={`Rotate the key of ${confirm.project.name}?`}
          message="Every key of this project stops working at once; a new key is shown once."
          confirmLabel="Rotate"
          danger
          onConfirm={async () => {
            const r = await api.rotateProject(confirm.project.id)
            setRevealed({ project: r.id, key: r.api_key })
            projectKeys.remember(r.id, r.name, r.api_key)
            // A browser signed in with this project's key switches to the new one (the old is dead).
            if (credentials.apiKey() && shell.keyProjectId === r.id) credentials.setApiKey(r.api_key)
          }}
          onClose={() => setConfirm(undefined)}
        />
      ) : null}
      {confirm?.kind === 'delete' ? (
        <Confirm
          title={`Delete ${confirm.project.name}?`}
          message="This deletes the project with all its traces, sessions and keys. It cannot be undone."
          confirmLabel="Delete project"
          danger
          onConfirm={async () => {
            await api.deleteProject(confirm.project.id)
            projectKeys.forget(confirm.project.id)
            if (shell.projectId === confirm.project.id) setQuery({ project_id: undefined })
            shell.reloadProjects()
          }}
          onClose={() => setConfirm(undefined)}
        />
      ) : null}
    </div>
  )
}

function ProjectCard({ project, selected, readOnly, onRotate, onDelete, onRenamed }: { project: Project; selected: boolean; readOnly: boolean; onRotate: () => void; onDelete: () => void; onRenamed: () => void }) {
  const [showKeys, setShowKeys] = useState(false)
  const [rename, setRename] = useState<string>()
  const [error, setError] = useState<unknown>()
  return (
    <div className={`card project ${selected ? 'selected' : ''}`} data-testid={`project-${project.name}`}>
      <div className="row">
        {rename !== undefined ? (
          <form
            className="row"
            onSubmit={async (e) => {
              e.preventDefault()
              try {
                await api.renameProject(project.id, rename)
                setRename(undefined)
                onRenamed()
              } catch (err) {
                setError(err)
              }
            }}
          >
            <input className="input small" value={rename} onChange={(e) => setRename(e.target.value)} aria-label="Project name" autoFocus />
            <button className="btn small primary">Save</button>
          </form>
        ) : (
          <h3 className="strong">{project.name}</h3>
        )}
        {project.is_default ? <span className="badge st-other small">default</span> : null}
        {selected ? <span className="badge st-ok small">selected</span> : null}
        <span className="muted small">created {fmtAgo(project.created_at)}</span>
        <div className="spacer" />
        {!selected ? (
          <button className="btn small" onClick={() => setQuery({ project_id: project.id })}>
            Select
          </button>
        ) : null}
        <button className="btn small" onClick={() => setShowKeys(!showKeys)}>
          API keys
        </button>
        {!readOnly ? (
          <>
            <button className="btn small" onClick={() => setRename(project.name)}>
              Rename
            </button>
            <button className="btn small" onClick={onRotate}>
              Rotate key
            </button>
            <button className="btn small danger" onClick={onDelete}>
              Delete
            </button>
          </>
        ) : null}
      </div>
      <div className="muted small mono">{project.id}</div>
      <ErrorBox error={error} />
      {showKeys ? <Keys projectId={project.id} readOnly={readOnly} /> : null}
    </div>
  )
}

function Keys({ projectId, readOnly }: { projectId: string; readOnly: boolean }) {
  const keys = useLoad(() => api.keys(projectId), [projectId])
  const [name, setName] = useState('')
  const [revealed, setRevealed] = useState<string>()
  const [error, setError] = useState<unknown>()
  const [revoke, setRevoke] = useState<string>()
  if (keys.error) return <ErrorBox error={keys.error} />
  if (!keys.data) return <Loading />
  return (
    <div className="keys">
      {revealed ? <KeyReveal apiKey={revealed} onDone={() => setRevealed(undefined)} /> : null}
      <table className="table small">
        <thead>
          <tr>
            <th>Name</th>
            <th>Prefix</th>
            <th>Created</th>
            <th>Last used</th>
            <th>State</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {keys.data.keys.map((k) => (
            <tr key={k.id}>
              <td>{k.name}</td>
              <td className="mono">{k.prefix}…</td>
              <td>{fmtTime(k.created_at)}</td>
              <td>{k.last_used_at ? fmtAgo(k.last_used_at) : 'never'}</td>
              <td>{k.revoked_at ? <span className="badge st-failed">revoked</span> : <span className="badge st-ok">active</span>}</td>
              <td>
                {!k.revoked_at && !readOnly ? (
                  <button className="btn small danger" onClick={() => setRevoke(k.id)}>
                    Revoke
                  </button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {!readOnly ? (
        <form
          className="row"
          onSubmit={async (e) => {
            e.preventDefault()
            try {
              const k = await api.createKey(projectId, name.trim() || 'default')
              setRevealed(k.api_key)
              setName('')
              keys.reload()
            } catch (err) {
              setError(err)
            }
          }}
        >
          <input className="input small" placeholder="Key name" value={name} onChange={(e) => setName(e.target.value)} aria-label="Key name" />
          <button className="btn small">Add key</button>
        </form>
      ) : null}
      <ErrorBox error={error} />
      {revoke ? (
        <Confirm
          title="Revoke this key?"
          message="Clients using it are refused from now on."
          confirmLabel="Revoke"
          danger
          onConfirm={async () => {
            await api.revokeKey(projectId, revoke)
            keys.reload()
          }}
          onClose={() => setRevoke(undefined)}
        />
      ) : null}
    </div>
  )
}
