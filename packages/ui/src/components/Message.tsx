import type { ReactNode } from 'react';

/** Empty, loading and error states: a short title and what the user can do next. */
export function Message(props: { title: string; kind?: 'info' | 'error'; children?: ReactNode }) {
  return (
    <div className={`message ${props.kind ?? 'info'}`} role={props.kind === 'error' ? 'alert' : undefined}>
      <h2>{props.title}</h2>
      {props.children && <div className="message-body">{props.children}</div>}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return <div className="loading">Loading {what}…</div>;
}

export function ErrorMessage({ error, what }: { error: Error; what: string }) {
  return (
    <Message kind="error" title={`Could not load ${what}`}>
      {error.message}
    </Message>
  );
}

/** Shown wherever there is no data at all: how to send the first traces. */
export function NoDataYet() {
  return (
    <Message title="No traces yet">
      <p>Sextant has not received any spans. Point an OpenTelemetry SDK at it:</p>
      <pre className="code">
        {`OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318
OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf
OTEL_SERVICE_NAME=my-service`}
      </pre>
      <p>
        OTLP/gRPC is on port 4317 and Zipkin v2 on <code>http://localhost:9411/api/v2/spans</code>. To try it with
        generated traffic, run <code>npx sextant demo</code>. You can also open a trace file (OTLP, Jaeger or Zipkin
        JSON) without storing it: <a href="/upload">Open file</a>.
      </p>
    </Message>
  );
}
