import { readFileSync } from 'node:fs'

// Read once from package.json so the CLI, the health route and the logs agree.
const pkg = JSON.parse(readFileSync(new URL(packageJsonPath(), import.meta.url), 'utf8')) as { version: string }

function packageJsonPath(): string {
  // Sources live in src/, compiled files in dist/src/: the package root is one or two levels up.
  return import.meta.url.includes('/dist/src/') ? '../../package.json' : '../package.json'
}

export const VERSION: string = pkg.version
