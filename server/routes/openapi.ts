import { Router } from 'express'
import { openApiDocument } from '../../src/contract/openapi.js'
import { VERSION } from '../../src/version.js'

/** GET /api/openapi.json: public, like the reference's published contract. */
export function openApiRoutes(): Router {
  const router = Router()
  router.get('/api/openapi.json', (_req, res) => {
    res.json(openApiDocument(VERSION))
  })
  return router
}
