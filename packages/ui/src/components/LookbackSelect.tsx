import { LOOKBACKS } from '../lib/time-range.js';

export function LookbackSelect(props: { value: string; onChange: (v: string) => void }) {
  return (
    <select aria-label="Time range" value={props.value} onChange={(e) => props.onChange(e.target.value)}>
      {LOOKBACKS.map(([v, label]) => (
        <option key={v} value={v}>
          {label}
        </option>
      ))}
    </select>
  );
}
