import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { describe, it } from 'node:test'
import { KEYS } from '../../tui/keys.js'
import { ROOT } from '../helpers/cli.js'

// Every command the CLI has is documented in docs/cli.md; every TUI key in docs/tui.md.

function manifest(): { commands: Record<string, { aliases?: string[] }> } {
  const file = path.join(ROOT, 'oclif.manifest.json')
  if (!fs.existsSync(file)) execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'oclif', 'bin', 'run.js'), 'manifest'], { cwd: ROOT, stdio: 'ignore' })
  return JSON.parse(fs.readFileSync(file, 'utf8'))
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

describe('docs', () => {
  it('docs/cli.md documents every command and alias in oclif.manifest.json', () => {
    const doc = fs.readFileSync(path.join(ROOT, 'docs', 'cli.md'), 'utf8')
    const { commands } = manifest()
    const ids = Object.entries(commands).flatMap(([id, c]) => [id, ...(c.aliases ?? [])])
    assert.ok(ids.includes('runs:list') && ids.includes('signal'), 'the manifest lists the run commands and aliases')
    const missing = ids.filter((id) => {
      const words = id.split(':')
      const last = words.pop()!
      const prefix = words.length ? escape(words.join(' ')) + ' ' : ''
      // `continua runs list`, or a grouped heading such as `continua projects list|create`.
      return !new RegExp(`continua ${prefix}([\\w-]+\\|)*${escape(last)}(\\||\\b)`).test(doc)
    })
    assert.deepEqual(missing, [])
  })

  it('docs/tui.md lists every key of the TUI with its action', () => {
    const doc = fs.readFileSync(path.join(ROOT, 'docs', 'tui.md'), 'utf8')
    const missing = KEYS.filter((k) => !doc.includes(`| \`${k.keys}\` | ${k.action} |`))
    assert.deepEqual(missing, [])
  })
})
