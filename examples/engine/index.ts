// Every example, so one flag loads them all: continua worker --workflows examples/engine/index.ts
export * from './agent-loop.js'
export * from './approval.js'
export * from './fan-out.js'
export * from './flaky-tool.js'
export * from './long-loop.js'
