/**
 * google.rpc.Status {code = 1; message = 2}, the error body OTLP/HTTP requires. Two fields do not justify a
 * schema: written by hand.
 */
function varint(n: number, out: number[]): void {
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
}

export function encodeRpcStatus(code: number, message: string): Uint8Array {
  const msg = new TextEncoder().encode(message);
  const out: number[] = [];
  out.push(0x08);
  varint(code, out);
  out.push(0x12);
  varint(msg.length, out);
  const head = Uint8Array.from(out);
  const all = new Uint8Array(head.length + msg.length);
  all.set(head);
  all.set(msg, head.length);
  return all;
}
