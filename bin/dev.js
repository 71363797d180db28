#!/usr/bin/env -S node --import tsx --no-warnings
// Runs the CLI straight from the TypeScript sources (no build step).
import { execute } from '@oclif/core'

await execute({ development: true, dir: import.meta.url })
