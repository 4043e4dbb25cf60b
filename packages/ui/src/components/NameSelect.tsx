/**
 * A picker over stored names (services, operations); a value from the URL that is not stored (yet) stays
 * selectable, so that a shared link never loses its filter.
 */
export function NameSelect(props: { value: string; names: string[] | undefined; anyLabel: string; label?: string; disabled?: boolean; onChange: (name: string) => void }) {
  const names = props.names ?? [];
  return (
    <select aria-label={props.label} value={props.value} disabled={props.disabled} onChange={(e) => props.onChange(e.target.value)}>
      <option value="">{props.anyLabel}</option>
      {names.map((s) => (
        <option key={s} value={s}>
          {s}
        </option>
      ))}
      {props.value && !names.includes(props.value) && <option value={props.value}>{props.value}</option>}
    </select>
  );
}
