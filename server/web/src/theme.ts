// Theme: system / light / dark, stored locally; "system" follows the OS preference live.

export type Theme = 'system' | 'light' | 'dark'
const media = () => window.matchMedia('(prefers-color-scheme: dark)')

export function storedTheme(): Theme {
  const t = localStorage.getItem('continua_theme')
  return t === 'light' || t === 'dark' ? t : 'system'
}

export function applyTheme(theme: Theme): void {
  localStorage.setItem('continua_theme', theme)
  const dark = theme === 'dark' || (theme === 'system' && media().matches)
  document.documentElement.classList.toggle('dark', dark)
}

export function followSystemTheme(): () => void {
  const m = media()
  const on = () => storedTheme() === 'system' && applyTheme('system')
  m.addEventListener('change', on)
  return () => m.removeEventListener('change', on)
}
