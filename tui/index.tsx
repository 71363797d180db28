import { render } from 'ink'
import type { ContinuaClient } from '../src/client/index.js'
import { App } from './App.js'

// Starts the full-screen TUI on the alternate screen and restores the terminal on exit.

export async function runTui(options: { client: ContinuaClient; server: string; initialRef?: string; pollMs?: number }): Promise<void> {
  const out = process.stdout
  out.write('\u001b[?1049h\u001b[H')
  const restore = () => out.write('\u001b[?1049l')
  process.once('exit', restore)
  try {
    const app = render(<App {...options} />, { exitOnCtrlC: false, patchConsole: true, maxFps: 30 })
    await app.waitUntilExit()
  } finally {
    restore()
    process.off('exit', restore)
  }
}
