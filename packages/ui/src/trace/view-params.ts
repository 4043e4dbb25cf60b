import { useState } from 'react';

/**
 * Where a trace view keeps its shareable state (tab, open span, grouping): the URL for stored traces, plain
 * component state for files opened in the browser.
 */
export interface ViewParams {
  get(key: string): string | null;
  set(patch: Record<string, string | null>): void;
}

export function useLocalViewParams(): ViewParams {
  const [values, setValues] = useState<Record<string, string | null>>({});
  return { get: (k) => values[k] ?? null, set: (patch) => setValues((v) => ({ ...v, ...patch })) };
}
