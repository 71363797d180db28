// Public surface of the `continua` package. The durable engine's authoring API lands here.
export { VERSION } from './version.js'
export { ContinuaError, type ErrorCode } from './errors.js'
export { loadConfig, type ContinuaConfig } from './config.js'
