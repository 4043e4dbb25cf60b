import { formatPercent } from '../lib/format.js';

/** A share (0..1) as a small bar with its percentage beside it, never on top of it. */
export function ShareBar({ share }: { share: number }) {
  const w = Math.max(0, Math.min(1, share)) * 100;
  return (
    <span className="share-bar">
      <span className="track">
        <span className="fill" style={{ width: `${w}%` }} />
      </span>
      <span className="pct">{formatPercent(share)}</span>
    </span>
  );
}
