import { Router } from 'express'
import type { Kysely } from 'kysely'
import { assertProjectVisible, requireOperator } from '../../src/auth/principal.js'
import { Uuid } from '../../src/contract/common.js'
import { CreateApiKeyRequest, CreateProjectRequest, UpdateProjectRequest, type ProjectList } from '../../src/contract/projects.js'
import { parseInput } from '../../src/contract/validate.js'
import type { DB } from '../../src/db/schema.js'
import { ContinuaError } from '../../src/errors.js'
import * as projects from '../../src/projects.js'
import { principalOf } from '../middleware/auth.js'

function projectIdParam(raw: unknown, name = 'project id'): string {
  const parsed = Uuid.safeParse(raw)
  // A malformed id cannot name any project: answer as for an unknown one.
  if (!parsed.success) throw new ContinuaError('project_not_found', `Project ${String(raw).slice(0, 64)} not found (${name} must be a UUID)`)
  return parsed.data.toLowerCase()
}

export function projectRoutes(db: Kysely<DB>): Router {
  const router = Router()

  router.get('/api/projects', async (_req, res) => {
    const principal = principalOf(res)
    const body: ProjectList =
      principal.kind === 'api_key'
        ? { projects: await projects.listProjects(db, principal.projectId), authenticated_project_id: principal.projectId }
        : { projects: await projects.listProjects(db) }
    res.json(body)
  })

  router.post('/api/projects', async (req, res) => {
    requireOperator(principalOf(res), 'create projects')
    const { name } = parseInput(CreateProjectRequest, req.body)
    res.status(201).json(await projects.createProject(db, name))
  })

  router.patch('/api/projects/:id', async (req, res) => {
    const id = projectIdParam(req.params.id)
    assertProjectVisible(principalOf(res), id)
    res.json(await projects.updateProject(db, id, parseInput(UpdateProjectRequest, req.body)))
  })

  router.delete('/api/projects/:id', async (req, res) => {
    const id = projectIdParam(req.params.id)
    const principal = principalOf(res)
    assertProjectVisible(principal, id)
    requireOperator(principal, 'delete projects')
    await projects.deleteProject(db, id)
    res.status(204).end()
  })

  router.post('/api/projects/:id/rotate', async (req, res) => {
    const id = projectIdParam(req.params.id)
    assertProjectVisible(principalOf(res), id)
    res.json(await projects.rotateProjectKey(db, id))
  })

  router.get('/api/projects/:id/keys', async (req, res) => {
    const id = projectIdParam(req.params.id)
    assertProjectVisible(principalOf(res), id)
    res.json({ keys: await projects.listApiKeys(db, id) })
  })

  router.post('/api/projects/:id/keys', async (req, res) => {
    const id = projectIdParam(req.params.id)
    assertProjectVisible(principalOf(res), id)
    const { name } = parseInput(CreateApiKeyRequest, req.body ?? {})
    res.status(201).json(await projects.createApiKey(db, id, name))
  })

  router.delete('/api/projects/:id/keys/:keyId', async (req, res) => {
    const id = projectIdParam(req.params.id)
    assertProjectVisible(principalOf(res), id)
    const keyId = Uuid.safeParse(req.params.keyId)
    if (!keyId.success) throw new ContinuaError('key_not_found', `API key ${req.params.keyId.slice(0, 64)} not found`)
    await projects.revokeApiKey(db, id, keyId.data.toLowerCase())
    res.status(204).end()
  })

  return router
}
