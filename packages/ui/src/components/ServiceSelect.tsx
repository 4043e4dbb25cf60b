/** A service picker over the stored services; a value from the URL that is not stored (yet) stays selectable. */
export function ServiceSelect(props: { value: string; services: string[] | undefined; anyLabel: string; label?: string; onChange: (service: string) => void }) {
  const services = props.services ?? [];
  return (
    <select aria-label={props.label} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
      <option value="">{props.anyLabel}</option>
      {services.map((s) => (
        <option key={s} value={s}>
          {s}
        </option>
      ))}
      {props.value && !services.includes(props.value) && <option value={props.value}>{props.value}</option>}
    </select>
  );
}
