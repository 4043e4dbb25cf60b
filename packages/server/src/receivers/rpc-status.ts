/**
 * google.rpc.Status {code = 1; message = 2; details = 3 (Any)}, the error body OTLP requires, with a
 * google.rpc.RetryInfo detail on retryable answers so that exporters know how long to back off. A handful of
 * fields do not justify a schema: written by hand.
 */
function varint(n: number, out: number[]): void {
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
}

function field(tag: number, bytes: Uint8Array, out: number[]): void {
  out.push((tag << 3) | 2);
  varint(bytes.length, out);
  for (const b of bytes) out.push(b);
}

const RETRY_INFO_TYPE = new TextEncoder().encode('type.googleapis.com/google.rpc.RetryInfo');

/** RetryInfo {retry_delay = 1: Duration {seconds = 1}} wrapped in an Any. */
function retryInfoAny(seconds: number): Uint8Array {
  const duration: number[] = [0x08];
  varint(seconds, duration);
  const retryInfo: number[] = [];
  field(1, Uint8Array.from(duration), retryInfo);
  const any: number[] = [];
  field(1, RETRY_INFO_TYPE, any);
  field(2, Uint8Array.from(retryInfo), any);
  return Uint8Array.from(any);
}

export function encodeRpcStatus(code: number, message: string, retryAfterSeconds?: number): Uint8Array {
  const out: number[] = [0x08];
  varint(code, out);
  field(2, new TextEncoder().encode(message), out);
  if (retryAfterSeconds !== undefined) field(3, retryInfoAny(retryAfterSeconds), out);
  return Uint8Array.from(out);
}
