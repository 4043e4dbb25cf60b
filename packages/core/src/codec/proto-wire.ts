// Protobuf wire-format primitives for the OTLP codec. Hand-written rather than generated: decoding goes straight
// from wire bytes to model objects with no intermediate message objects, which matters on the ingest hot path.
import { DecodeError } from './errors.js';

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_FIXED32 = 5;

/** A tag value as it appears on the wire, so decoders can `switch` on field and wire type at once. */
export function tagOf(field: number, wireType: number): number {
  return (field << 3) | wireType;
}

const utf8Decoder = new TextDecoder('utf-8', { ignoreBOM: true });
const utf8Encoder = new TextEncoder();

/** Reads one message at a time; `limit` is the end of the message being read, so no read can run past it. */
export class ProtoReader {
  pos = 0;
  limit: number;
  private readonly view: DataView;

  constructor(
    readonly buf: Uint8Array,
    private readonly what: string,
  ) {
    this.limit = buf.length;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  fail(problem: string): never {
    throw new DecodeError(`${this.what} is not valid protobuf: ${problem} at byte ${this.pos}.`);
  }

  private need(n: number): void {
    if (this.pos + n > this.limit) this.fail(`${n} bytes needed but the message ends at byte ${this.limit}`);
  }

  /** A varint truncated to its low 32 bits (unsigned); enough for tags, lengths, counts and enums. */
  uint32(): number {
    const buf = this.buf;
    let pos = this.pos;
    let result = 0;
    for (let shift = 0; ; shift += 7) {
      if (pos >= this.limit) this.fail('a varint runs past the end of its message');
      const b = buf[pos++];
      if (shift < 32) result |= (b & 0x7f) << shift;
      if (b < 0x80) break;
      if (shift >= 63) this.fail('a varint is longer than 10 bytes');
    }
    this.pos = pos;
    return result >>> 0;
  }

  /** An int64 varint as a signed bigint (negative values use all 10 bytes). */
  int64(): bigint {
    const buf = this.buf;
    const start = this.pos;
    // Up to 7 bytes (49 bits) add up exactly in a double; only larger or negative values take the bigint loop.
    let value = 0;
    let scale = 1;
    for (let pos = start; pos < start + 7; pos++) {
      if (pos >= this.limit) this.fail('a varint runs past the end of its message');
      const b = buf[pos];
      value += (b & 0x7f) * scale;
      if (b < 0x80) {
        this.pos = pos + 1;
        return BigInt(value);
      }
      scale *= 128;
    }
    this.uint32();
    let result = 0n;
    let shift = 0n;
    for (let i = start; i < this.pos; i++) {
      result |= BigInt(buf[i] & 0x7f) << shift;
      shift += 7n;
    }
    return BigInt.asIntN(64, result);
  }

  fixed64(): bigint {
    this.need(8);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }

  fixed32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  double(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** Reads a length prefix and returns the end offset of the bytes it announces. */
  lengthEnd(): number {
    const len = this.uint32();
    this.need(len);
    return this.pos + len;
  }

  /** Enters an embedded message; returns the enclosing limit to pass to `leave`. */
  enter(): number {
    const end = this.lengthEnd();
    const outer = this.limit;
    this.limit = end;
    return outer;
  }

  leave(outer: number): void {
    this.limit = outer;
  }

  /** Bytes field as a view into the input (ids are converted at once, so no copy is needed). */
  bytesView(): [start: number, end: number] {
    const end = this.lengthEnd();
    const start = this.pos;
    this.pos = end;
    return [start, end];
  }

  /** Bytes field copied out, so a kept attribute value does not pin the whole request buffer. */
  bytesCopy(): Uint8Array {
    const [start, end] = this.bytesView();
    return this.buf.slice(start, end);
  }

  string(): string {
    const end = this.lengthEnd();
    const start = this.pos;
    this.pos = end;
    const len = end - start;
    if (len === 0) return '';
    // Attribute keys and most values are short ASCII; TextDecoder's call overhead dominates for those.
    if (len <= 24) {
      const buf = this.buf;
      let s = '';
      let i = start;
      for (; i < end; i++) {
        const b = buf[i];
        if (b >= 0x80) break;
        s += String.fromCharCode(b);
      }
      if (i === end) return s;
    }
    return utf8Decoder.decode(this.buf.subarray(start, end));
  }

  skip(wireType: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.uint32();
        return;
      case WIRE_FIXED64:
        this.need(8);
        this.pos += 8;
        return;
      case WIRE_LEN:
        this.pos = this.lengthEnd();
        return;
      case WIRE_FIXED32:
        this.need(4);
        this.pos += 4;
        return;
      default:
        this.fail(`unsupported wire type ${wireType}`);
    }
  }

  /** Reads the next tag; field number 0 never appears in valid protobuf. */
  tag(): number {
    const tag = this.uint32();
    if (tag >>> 3 === 0) this.fail('field number 0');
    return tag;
  }
}

/** Appends protobuf to a growing buffer; embedded messages are written in place and then prefixed with their length. */
export class ProtoWriter {
  private buf: Uint8Array<ArrayBuffer> = new Uint8Array(4096);
  private view = new DataView(this.buf.buffer);
  pos = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  varint(v: number): void {
    this.ensure(5);
    v >>>= 0;
    while (v >= 0x80) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[this.pos++] = v;
  }

  tag(field: number, wireType: number): void {
    this.varint(tagOf(field, wireType));
  }

  uint32Field(field: number, v: number): void {
    this.tag(field, WIRE_VARINT);
    this.varint(v);
  }

  /** Enums are int32: negative values are sign-extended to 10 bytes, as protobuf requires. */
  enumField(field: number, v: number): void {
    if (v < 0) this.int64Field(field, BigInt(v));
    else this.uint32Field(field, v);
  }

  int64Field(field: number, v: bigint): void {
    this.tag(field, WIRE_VARINT);
    this.ensure(10);
    let u = BigInt.asUintN(64, v);
    while (u >= 0x80n) {
      this.buf[this.pos++] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    this.buf[this.pos++] = Number(u);
  }

  fixed64Field(field: number, v: bigint): void {
    this.tag(field, WIRE_FIXED64);
    this.ensure(8);
    this.view.setBigUint64(this.pos, BigInt.asUintN(64, v), true);
    this.pos += 8;
  }

  fixed32Field(field: number, v: number): void {
    this.tag(field, WIRE_FIXED32);
    this.ensure(4);
    this.view.setUint32(this.pos, v >>> 0, true);
    this.pos += 4;
  }

  doubleField(field: number, v: number): void {
    this.tag(field, WIRE_FIXED64);
    this.ensure(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  bytesField(field: number, bytes: Uint8Array): void {
    this.tag(field, WIRE_LEN);
    this.varint(bytes.length);
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  stringField(field: number, s: string): void {
    this.bytesField(field, utf8Encoder.encode(s));
  }

  /** Starts an embedded message; pass the result to `end`. */
  begin(field: number): number {
    this.tag(field, WIRE_LEN);
    return this.pos;
  }

  end(start: number): void {
    const len = this.pos - start;
    let size = 1;
    for (let v = len; v >= 0x80; v >>>= 7) size++;
    this.ensure(size);
    this.buf.copyWithin(start + size, start, this.pos);
    const body = this.pos;
    this.pos = start;
    this.varint(len);
    this.pos = body + size;
  }

  finish(): Uint8Array<ArrayBuffer> {
    return this.buf.slice(0, this.pos);
  }
}
