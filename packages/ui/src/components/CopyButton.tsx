import { useState, type MouseEvent } from 'react';

/** Copies `text` to the clipboard; says so for a moment. Works inside links (the click does not navigate). */
export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [done, setDone] = useState(false);
  const copy = async (e: MouseEvent) => {
    e.preventDefault();
    e.stopPropagation();
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      // No clipboard API (plain http on another host): fall back to a selected text area.
      const ta = document.createElement('textarea');
      ta.value = text;
      document.body.appendChild(ta);
      ta.select();
      document.execCommand('copy');
      ta.remove();
    }
    setDone(true);
    setTimeout(() => setDone(false), 1200);
  };
  return (
    <button type="button" className="ghost small copy-btn" onClick={copy} title={`Copy ${text}`} aria-label={`${label} ${text}`}>
      {done ? 'Copied' : '⧉'}
    </button>
  );
}
