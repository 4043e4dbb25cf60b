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

/** gRPC codes used in OTLP error bodies. */
export const RpcCode = { INVALID_ARGUMENT: 3, RESOURCE_EXHAUSTED: 8, UNAVAILABLE: 14, INTERNAL: 13, UNAUTHENTICATED: 16 } as const;

export function rpcCodeForHttp(status: number): number {
  if (status === 503 || status === 429) return RpcCode.UNAVAILABLE;
  if (status === 413) return RpcCode.RESOURCE_EXHAUSTED;
  if (status === 401) return RpcCode.UNAUTHENTICATED;
  if (status >= 500) return RpcCode.INTERNAL;
  return RpcCode.INVALID_ARGUMENT;
}
