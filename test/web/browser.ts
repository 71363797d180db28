import fs from 'node:fs'
import { chromium, type Browser } from 'playwright-core'

// Debian's chromium driven by playwright-core; never a downloaded browser.

export const CHROMIUM = process.env.CONTINUA_CHROMIUM ?? '/usr/bin/chromium'
export const HEADLESS_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

export function chromiumMissing(): string | false {
  return fs.existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install -y chromium)`
}

export function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: HEADLESS_ARGS })
}
