import type { ReactNode } from 'react';
import { useApi } from '../lib/api.js';

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

/** Shown wherever there is no data at all: how to send the first traces, to the ports this server really uses. */
export function NoDataYet() {
  const ports = useApi<{ otlpHttp: number | null; otlpGrpc: number | null; zipkin: number | null }>('/api/v1/receivers');
  const host = window.location.hostname.includes(':') ? `[${window.location.hostname}]` : window.location.hostname;
  const p = ports.data;
  return (
    <Message title="No traces yet">
      <p>Sextant has not received any spans. Point an OpenTelemetry SDK at it:</p>
      {!p ? (
        <Loading what="receiver ports" />
      ) : (
        <>
          <pre className="code" data-testid="otlp-env">
            {p.otlpHttp !== null
              ? `OTEL_EXPORTER_OTLP_ENDPOINT=http://${host}:${p.otlpHttp}
OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf
OTEL_SERVICE_NAME=my-service`
              : p.otlpGrpc !== null
                ? `OTEL_EXPORTER_OTLP_ENDPOINT=http://${host}:${p.otlpGrpc}
OTEL_EXPORTER_OTLP_PROTOCOL=grpc
OTEL_SERVICE_NAME=my-service`
                : 'This server runs no OTLP receiver (it was started with the receivers turned off).'}
          </pre>
          <p data-testid="receiver-ports">
            {p.otlpGrpc !== null && (
              <>
                OTLP/gRPC is on port <code>{p.otlpGrpc}</code>
                {p.zipkin !== null ? ' and ' : '. '}
              </>
            )}
            {p.zipkin !== null && (
              <>
                Zipkin v2 on <code>{`http://${host}:${p.zipkin}/api/v2/spans`}</code>.{' '}
              </>
            )}
            To try it with generated traffic, run <code>npx sextant demo</code>. You can also open a trace file (OTLP,
            Jaeger or Zipkin JSON) without storing it: <a href="/upload">Open file</a>.
          </p>
        </>
      )}
    </Message>
  );
}
