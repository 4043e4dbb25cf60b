/**
 * A page of a log search from what an engine read: one more line than the limit, newest first, in the engine's
 * total order (time, then ids, severity, body, attributes), `q.skip` lines at the window's end time left out.
 * Identical lines are shown once. The cursor of the next page is the last line's time and how many lines at that
 * time have been shown, so paging neither repeats nor loses lines that share a timestamp.
 */
import { distinctLogLines, logLineTime, type LogRecord } from '@sextant/core';
import type { LogQuery, LogSearchResult } from './contract.js';

export function logPage(read: readonly LogRecord[], q: LogQuery): LogSearchResult {
  const page = read.slice(0, q.limit);
  const last = page[page.length - 1];
  let next: LogSearchResult['next'] = null;
  if (read.length > q.limit && last) {
    const t = logLineTime(last);
    let shownAtT = t === q.endNano ? (q.skip ?? 0) : 0;
    for (const l of page) if (logLineTime(l) === t) shownAtT++;
    next = { endNano: t, skip: shownAtT };
  }
  return { logs: distinctLogLines(page), more: next !== null, next };
}
