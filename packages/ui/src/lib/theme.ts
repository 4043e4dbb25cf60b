import { useSyncExternalStore } from 'react';

export type Theme = 'light' | 'dark';
const EVENT = 'sextant:theme';

export function currentTheme(): Theme {
  return document.documentElement.dataset.theme === 'dark' ? 'dark' : 'light';
}

export function setTheme(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
  try {
    localStorage.setItem('sextant.theme', theme);
  } catch {
    // Private mode: the choice just is not remembered.
  }
  window.dispatchEvent(new Event(EVENT));
}

/** The active theme; charts drawn on canvas take it as a dependency to redraw in the right colours. */
export function useTheme(): Theme {
  return useSyncExternalStore(
    (cb) => {
      window.addEventListener(EVENT, cb);
      return () => window.removeEventListener(EVENT, cb);
    },
    currentTheme,
  );
}

export function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}
