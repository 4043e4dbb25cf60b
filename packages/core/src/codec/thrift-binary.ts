// Thrift's binary protocol (TBinaryProtocol), read generically: structs become field-id maps that the Zipkin and
// Jaeger codecs interpret against their IDLs. Small and strict: every length is checked against the bytes left,
// nesting is bounded, and the error says what broke where.
import { DecodeError } from './errors.js';

export const T_BOOL = 2;
export const T_BYTE = 3;
export const T_DOUBLE = 4;
export const T_I16 = 6;
export const T_I32 = 8;
export const T_I64 = 10;
export const T_STRING = 11;
export const T_STRUCT = 12;
export const T_MAP = 13;
export const T_SET = 14;
export const T_LIST = 15;

export type ThriftValue = boolean | number | bigint | Uint8Array | ThriftStruct | ThriftValue[] | [ThriftValue, ThriftValue][];
/** A struct's fields by id. */
export type ThriftStruct = Map<number, ThriftValue>;

/** A list as read: its element type and items (so callers can check they got a list of structs). */
export interface ThriftList {
  elementType: number;
  items: ThriftValue[];
}

const MAX_DEPTH = 64;
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

export class ThriftReader {
  pos = 0;
  private readonly view: DataView;

  constructor(
    private readonly buf: Uint8Array,
    private readonly what: string,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  fail(problem: string): never {
    throw new DecodeError(`${this.what} is not valid Thrift (binary protocol): ${problem} at byte ${this.pos}`);
  }

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  private need(n: number): void {
    if (n < 0 || this.pos + n > this.buf.length) this.fail(`${n} bytes needed but only ${this.buf.length - this.pos} are left`);
  }

  private byte(): number {
    this.need(1);
    return this.view.getInt8(this.pos++);
  }

  private i16(): number {
    this.need(2);
    const v = this.view.getInt16(this.pos);
    this.pos += 2;
    return v;
  }

  private i32(): number {
    this.need(4);
    const v = this.view.getInt32(this.pos);
    this.pos += 4;
    return v;
  }

  private size(minBytesEach: number): number {
    const n = this.i32();
    // Each element takes at least a byte (bools) or more, so a count the bytes cannot hold is a lie.
    if (n < 0 || n * minBytesEach > this.buf.length - this.pos) this.fail(`a size of ${n} does not fit the ${this.buf.length - this.pos} bytes left`);
    return n;
  }

  /** The header of a list (or set): element type and count. */
  listHeader(): { elementType: number; size: number } {
    const elementType = this.byte();
    return { elementType, size: this.size(minBytes(elementType)) };
  }

  value(type: number, depth = 0): ThriftValue {
    if (depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH}`);
    switch (type) {
      case T_BOOL:
        return this.byte() !== 0;
      case T_BYTE:
        return this.byte();
      case T_I16:
        return this.i16();
      case T_I32:
        return this.i32();
      case T_I64: {
        this.need(8);
        const v = this.view.getBigInt64(this.pos);
        this.pos += 8;
        return v;
      }
      case T_DOUBLE: {
        this.need(8);
        const v = this.view.getFloat64(this.pos);
        this.pos += 8;
        return v;
      }
      case T_STRING: {
        const n = this.size(1);
        const v = this.buf.subarray(this.pos, this.pos + n);
        this.pos += n;
        return v;
      }
      case T_STRUCT:
        return this.struct(depth + 1);
      case T_LIST:
      case T_SET: {
        const { elementType, size } = this.listHeader();
        const items: ThriftValue[] = new Array(size);
        for (let i = 0; i < size; i++) items[i] = this.value(elementType, depth + 1);
        return items;
      }
      case T_MAP: {
        const k = this.byte();
        const v = this.byte();
        const size = this.size(minBytes(k) + minBytes(v));
        const entries: [ThriftValue, ThriftValue][] = new Array(size);
        for (let i = 0; i < size; i++) entries[i] = [this.value(k, depth + 1), this.value(v, depth + 1)];
        return entries;
      }
      default:
        return this.fail(`unknown field type ${type}`);
    }
  }

  struct(depth = 0): ThriftStruct {
    const fields: ThriftStruct = new Map();
    for (;;) {
      const type = this.byte();
      if (type === 0) return fields;
      const id = this.i16();
      fields.set(id, this.value(type, depth));
    }
  }
}

function minBytes(type: number): number {
  switch (type) {
    case T_BOOL:
    case T_BYTE:
    case T_STRUCT:
      return 1;
    case T_I16:
      return 2;
    case T_I32:
    case T_STRING:
    case T_LIST:
    case T_SET:
      return 4;
    case T_MAP:
      return 6;
    default:
      return 8;
  }
}

// ---------- typed access to a decoded struct, with errors naming the IDL field ----------

export class ThriftFields {
  constructor(
    readonly fields: ThriftStruct,
    private readonly where: string,
  ) {}

  private bad(name: string, expected: string): never {
    throw new DecodeError(`${this.where}.${name}: expected ${expected}`);
  }

  has(id: number): boolean {
    return this.fields.has(id);
  }

  i64(id: number, name: string, required = false): bigint | undefined {
    const v = this.fields.get(id);
    if (v === undefined) return required ? this.bad(name, 'an i64 (it is required)') : undefined;
    if (typeof v !== 'bigint') this.bad(name, 'an i64');
    return v;
  }

  int(id: number, name: string): number | undefined {
    const v = this.fields.get(id);
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v)) this.bad(name, 'an integer');
    return v;
  }

  double(id: number, name: string): number | undefined {
    const v = this.fields.get(id);
    if (v === undefined) return undefined;
    if (typeof v !== 'number') this.bad(name, 'a double');
    return v;
  }

  bool(id: number, name: string): boolean | undefined {
    const v = this.fields.get(id);
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') this.bad(name, 'a bool');
    return v;
  }

  bytes(id: number, name: string): Uint8Array | undefined {
    const v = this.fields.get(id);
    if (v === undefined) return undefined;
    if (!(v instanceof Uint8Array)) this.bad(name, 'a string or binary');
    return v;
  }

  string(id: number, name: string, required = false): string | undefined {
    const v = this.bytes(id, name);
    if (v === undefined) return required ? this.bad(name, 'a string (it is required)') : undefined;
    return utf8.decode(v);
  }

  struct(id: number, name: string): ThriftFields | undefined {
    const v = this.fields.get(id);
    if (v === undefined) return undefined;
    if (!(v instanceof Map)) this.bad(name, 'a struct');
    return new ThriftFields(v, `${this.where}.${name}`);
  }

  structs(id: number, name: string): ThriftFields[] {
    const v = this.fields.get(id);
    if (v === undefined) return [];
    if (!Array.isArray(v) || v.some((x) => !(x instanceof Map))) this.bad(name, 'a list of structs');
    return (v as ThriftStruct[]).map((s, i) => new ThriftFields(s, `${this.where}.${name}[${i}]`));
  }
}

/** A message whose top level is one list of structs (Zipkin's list<Span>, Jaeger's list<Batch> forms). */
export function readStructList(buf: Uint8Array, what: string): ThriftFields[] {
  const r = new ThriftReader(buf, what);
  const { elementType, size } = r.listHeader();
  if (elementType !== T_STRUCT) r.fail(`expected a list of structs, got element type ${elementType}`);
  const out: ThriftFields[] = [];
  for (let i = 0; i < size; i++) out.push(new ThriftFields(r.struct(1), `[${i}]`));
  if (!r.done) r.fail('bytes left after the list');
  return out;
}

/** A message that is one struct. */
export function readStruct(buf: Uint8Array, what: string, name: string): ThriftFields {
  const r = new ThriftReader(buf, what);
  const s = new ThriftFields(r.struct(1), name);
  if (!r.done) r.fail(`bytes left after the ${name}`);
  return s;
}
