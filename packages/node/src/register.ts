// `node --import @sextant/node/register app.js`: OpenTelemetry for the whole app, configured from the
// environment (OTEL_* variables, plus SEXTANT_TRACE_RESPONSE=false and SEXTANT_REQUEST_ID_HEADER=x-request-id).
import { start } from './start.js';

const requestIdHeader = process.env.SEXTANT_REQUEST_ID_HEADER?.trim();
start({
  traceResponse: process.env.SEXTANT_TRACE_RESPONSE?.trim().toLowerCase() === 'false' ? false : { requestIdHeader: requestIdHeader || undefined },
});
