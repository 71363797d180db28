#!/usr/bin/env node
// `continua --version` is answered before @oclif/core loads (≈150 ms of imports); the line is
// the one oclif prints, so scripts see no difference.
const argv = process.argv.slice(2)
if (argv.length === 1 && argv[0] === '--version') {
  const { readFileSync } = await import('node:fs')
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  process.stdout.write(`${pkg.oclif?.bin ?? pkg.name}/${pkg.version} ${process.platform}-${process.arch} node-${process.version}\n`)
} else {
  const { execute } = await import('@oclif/core')
  await execute({ dir: import.meta.url })
}
