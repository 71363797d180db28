import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

// The debugger is built into dist/web of the package; `continua serve` serves it. Vite 8 compiles
// TSX itself (automatic JSX runtime), so no React plugin is needed for a production build.
const here = fileURLToPath(new URL('.', import.meta.url))

export default defineConfig({
  root: here,
  base: '/',
  logLevel: 'warn',
  // `npm run dev:web`: the app on Vite's dev server, the API from a `continua serve` on 8080.
  server: {
    proxy: {
      '/api': process.env.CONTINUA_API_URL ?? 'http://127.0.0.1:8080',
      '/v1': process.env.CONTINUA_API_URL ?? 'http://127.0.0.1:8080',
    },
  },
  build: {
    outDir: fileURLToPath(new URL('../../dist/web', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
    sourcemap: false,
  },
})
