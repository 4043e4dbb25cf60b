/**
 * Sextant's compact trace answer for its web UI (`GET /api/v1/traces/{id}/columns`): one trace as chunks of
 * columns (numbers over a string table) instead of OTLP/JSON's object per span, attribute and value. A chunk
 * adds the strings, values, resources and scopes it uses first, so the server encodes a trace a page at a time
 * without holding it, and the browser parses a few flat arrays. Lossless for the span model: decoding what was
 * encoded gives the same spans, spans of one resource or scope sharing one object.
 */
import type { AttrValue, KeyValue, Resource, Scope, Span, SpanEvent, SpanKind, SpanLink, StatusCode } from '../model.js';
import { DecodeError } from './errors.js';
import { attrValueFromJson, attrValueToJson, type OtlpJsonAnyValue } from './otlp-json.js';

/** Nanoseconds relative to a base: a number while exact, else a decimal string. */
export type NanoOffset = number | string;

/** Attributes flattened as [key, value, key, value…]: keys index the string table; a value ≥ 0 indexes the string table, < 0 is value-table entry −1−v. */
export type FlatAttrs = number[];

/** A resource: [attributes, dropped attribute count, schema URL (string index)]. */
export type ColumnsResource = [FlatAttrs, number, number];
/** A scope: [name, version (string indices), attributes, dropped attribute count, schema URL (string index)]. */
export type ColumnsScope = [number, number, FlatAttrs, number, number];
/** An event: [time after the span's start, name (string index), attributes, dropped attribute count]. */
export type ColumnsEvent = [NanoOffset, number, FlatAttrs, number];
/** A link: [trace id, span id, trace state (string indices), attributes, dropped attribute count, flags]. */
export type ColumnsLink = [number, number, number, FlatAttrs, number, number];

/** What few spans carry beyond the columns: only the fields that differ from their defaults. */
export interface ColumnsRest {
  traceState?: number;
  flags?: number;
  droppedAttributesCount?: number;
  events?: ColumnsEvent[];
  droppedEventsCount?: number;
  links?: ColumnsLink[];
  droppedLinksCount?: number;
}

export interface TraceColumnsChunk {
  /** Table entries first used by this chunk; indices continue those of the chunks before it. */
  strings: string[];
  values: OtlpJsonAnyValue[];
  resources: ColumnsResource[];
  scopes: ColumnsScope[];
  /** Start times are relative to this (decimal nanoseconds since the epoch). */
  base: string;
  /** One entry per span of the chunk in each column below; ids and names index the string table. */
  traceId: number[];
  spanId: number[];
  parentSpanId: number[];
  name: number[];
  kind: number[];
  start: NanoOffset[];
  /** End minus start. */
  duration: NanoOffset[];
  statusCode: number[];
  statusMessage: number[];
  resource: number[];
  scope: number[];
  /** Attributes per span; their pairs follow one another in `attrs`. */
  attrCount: number[];
  attrs: FlatAttrs;
  /** [position in the chunk, what else the span carries]. */
  rest: [number, ColumnsRest][];
}

function offset(n: bigint): NanoOffset {
  return n >= -9007199254740991n && n <= 9007199254740991n ? Number(n) : n.toString();
}

/** Encodes a trace's spans chunk by chunk; one encoder per answer, as chunks refer to the tables of those before. */
export class TraceColumnsEncoder {
  private readonly strings = new Map<string, number>();
  private readonly values = new Map<string, number>();
  private readonly resourceIds = new Map<Resource, number>();
  private readonly resourceKeys = new Map<string, number>();
  private readonly scopeIds = new Map<Scope, number>();
  private readonly scopeKeys = new Map<string, number>();
  private chunkOut!: TraceColumnsChunk;

  private str(s: string): number {
    let i = this.strings.get(s);
    if (i === undefined) {
      i = this.strings.size;
      this.strings.set(s, i);
      this.chunkOut.strings.push(s);
    }
    return i;
  }

  private value(v: AttrValue): number {
    if (typeof v === 'string') return this.str(v);
    const json = attrValueToJson(v);
    const key = JSON.stringify(json);
    let i = this.values.get(key);
    if (i === undefined) {
      i = this.values.size;
      this.values.set(key, i);
      this.chunkOut.values.push(json);
    }
    return -1 - i;
  }

  private attrs(kvs: readonly KeyValue[], out: FlatAttrs = []): FlatAttrs {
    for (const kv of kvs) out.push(this.str(kv.key), this.value(kv.value));
    return out;
  }

  /** The table index of `obj`: by identity once seen, else by its encoding, so equal copies share one entry. */
  private entry<T, E>(obj: T, ids: Map<T, number>, keys: Map<string, number>, encode: () => E, out: E[]): number {
    let i = ids.get(obj);
    if (i !== undefined) return i;
    const enc = encode();
    const key = JSON.stringify(enc);
    i = keys.get(key);
    if (i === undefined) {
      i = keys.size;
      keys.set(key, i);
      out.push(enc);
    }
    ids.set(obj, i);
    return i;
  }

  private resource(r: Resource): number {
    return this.entry(r, this.resourceIds, this.resourceKeys, (): ColumnsResource => [this.attrs(r.attributes), r.droppedAttributesCount, this.str(r.schemaUrl)], this.chunkOut.resources);
  }

  private scope(s: Scope): number {
    const encode = (): ColumnsScope => [this.str(s.name), this.str(s.version), this.attrs(s.attributes), s.droppedAttributesCount, this.str(s.schemaUrl)];
    return this.entry(s, this.scopeIds, this.scopeKeys, encode, this.chunkOut.scopes);
  }

  private rest(s: Span): ColumnsRest | null {
    const r: ColumnsRest = {};
    let any = false;
    if (s.traceState !== '') (r.traceState = this.str(s.traceState)), (any = true);
    if (s.flags !== 0) (r.flags = s.flags), (any = true);
    if (s.droppedAttributesCount !== 0) (r.droppedAttributesCount = s.droppedAttributesCount), (any = true);
    if (s.events.length > 0) {
      r.events = s.events.map((e) => [offset(e.timeUnixNano - s.startTimeUnixNano), this.str(e.name), this.attrs(e.attributes), e.droppedAttributesCount]);
      any = true;
    }
    if (s.droppedEventsCount !== 0) (r.droppedEventsCount = s.droppedEventsCount), (any = true);
    if (s.links.length > 0) {
      r.links = s.links.map((l) => [this.str(l.traceId), this.str(l.spanId), this.str(l.traceState), this.attrs(l.attributes), l.droppedAttributesCount, l.flags]);
      any = true;
    }
    if (s.droppedLinksCount !== 0) (r.droppedLinksCount = s.droppedLinksCount), (any = true);
    return any ? r : null;
  }

  /** The next chunk of the answer: `spans` (of one trace, any order). */
  chunk(spans: readonly Span[]): TraceColumnsChunk {
    const base = spans.length > 0 ? spans[0]!.startTimeUnixNano : 0n;
    const c: TraceColumnsChunk = (this.chunkOut = {
      strings: [], values: [], resources: [], scopes: [], base: base.toString(),
      traceId: [], spanId: [], parentSpanId: [], name: [], kind: [], start: [], duration: [], statusCode: [], statusMessage: [],
      resource: [], scope: [], attrCount: [], attrs: [], rest: [],
    });
    spans.forEach((s, i) => {
      c.traceId.push(this.str(s.traceId));
      c.spanId.push(this.str(s.spanId));
      c.parentSpanId.push(this.str(s.parentSpanId));
      c.name.push(this.str(s.name));
      c.kind.push(s.kind);
      c.start.push(offset(s.startTimeUnixNano - base));
      c.duration.push(offset(s.endTimeUnixNano - s.startTimeUnixNano));
      c.statusCode.push(s.status.code);
      c.statusMessage.push(this.str(s.status.message));
      c.resource.push(this.resource(s.resource));
      c.scope.push(this.scope(s.scope));
      c.attrCount.push(s.attributes.length);
      this.attrs(s.attributes, c.attrs);
      const rest = this.rest(s);
      if (rest) c.rest.push([i, rest]);
    });
    return c;
  }
}

const COLUMNS = ['traceId', 'spanId', 'parentSpanId', 'name', 'kind', 'start', 'duration', 'statusCode', 'statusMessage', 'resource', 'scope', 'attrCount'] as const;

/** Decodes a compact trace answer's chunks, in order, into spans; DecodeError when a chunk does not fit the format. */
export class TraceColumnsDecoder {
  private readonly strings: string[] = [];
  private readonly values: AttrValue[] = [];
  private readonly resources: Resource[] = [];
  private readonly scopes: Scope[] = [];
  readonly spans: Span[] = [];

  private str(i: unknown, where: string): string {
    const s = typeof i === 'number' ? this.strings[i] : undefined;
    if (s === undefined) throw new DecodeError(`${where}: ${String(i)} is not in the string table`);
    return s;
  }

  private attrs(flat: unknown, where: string): KeyValue[] {
    if (!Array.isArray(flat) || flat.length % 2 !== 0) throw new DecodeError(`${where}: expected [key, value] pairs`);
    const out: KeyValue[] = new Array(flat.length / 2);
    for (let k = 0; k < flat.length; k += 2) out[k / 2] = { key: this.str(flat[k], where), value: this.val(flat[k + 1], where) };
    return out;
  }

  private val(v: unknown, where: string): AttrValue {
    if (typeof v === 'number' && v < 0) {
      const x = this.values[-1 - v];
      if (x === undefined) throw new DecodeError(`${where}: ${v} is not in the value table`);
      return x;
    }
    return this.str(v, where);
  }

  private static nano(base: bigint, v: unknown, where: string): bigint {
    if (typeof v === 'number' && Number.isSafeInteger(v)) return base + BigInt(v);
    if (typeof v === 'string' && /^-?\d+$/.test(v)) return base + BigInt(v);
    throw new DecodeError(`${where}: expected integer nanoseconds, got ${JSON.stringify(v)}`);
  }

  /** Adds one chunk's spans to `spans`. */
  add(chunk: unknown, where = 'chunk'): void {
    if (typeof chunk !== 'object' || chunk === null) throw new DecodeError(`${where}: expected an object`);
    const c = chunk as TraceColumnsChunk;
    for (const k of ['strings', 'values', 'resources', 'scopes', 'attrs', 'rest', ...COLUMNS] as const) {
      if (!Array.isArray(c[k])) throw new DecodeError(`${where}.${k}: expected an array`);
    }
    const n = c.spanId.length;
    for (const k of COLUMNS) if (c[k].length !== n) throw new DecodeError(`${where}.${k}: expected ${n} entries, got ${c[k].length}`);
    for (const s of c.strings) {
      if (typeof s !== 'string') throw new DecodeError(`${where}.strings: expected strings`);
      this.strings.push(s);
    }
    c.values.forEach((v, i) => this.values.push(attrValueFromJson(v, `${where}.values[${i}]`)));
    for (const r of c.resources) this.resources.push({ attributes: this.attrs(r[0], `${where}.resources`), droppedAttributesCount: Number(r[1]) || 0, schemaUrl: this.str(r[2], `${where}.resources`) });
    for (const s of c.scopes) {
      const at = `${where}.scopes`;
      this.scopes.push({ name: this.str(s[0], at), version: this.str(s[1], at), attributes: this.attrs(s[2], at), droppedAttributesCount: Number(s[3]) || 0, schemaUrl: this.str(s[4], at) });
    }
    if (typeof c.base !== 'string' || !/^-?\d+$/.test(c.base)) throw new DecodeError(`${where}.base: expected decimal nanoseconds`);
    const base = BigInt(c.base);
    const rest = new Map<number, ColumnsRest>(c.rest);
    let a = 0;
    for (let i = 0; i < n; i++) {
      const at = `${where}[${i}]`;
      const start = TraceColumnsDecoder.nano(base, c.start[i], `${at}.start`);
      const resource = this.resources[c.resource[i]!];
      const scope = this.scopes[c.scope[i]!];
      if (!resource || !scope) throw new DecodeError(`${at}: resource or scope not in its table`);
      const count = c.attrCount[i]!;
      if (!Number.isInteger(count) || count < 0 || a + 2 * count > c.attrs.length) throw new DecodeError(`${at}.attrCount: out of range`);
      const attributes: KeyValue[] = new Array(count);
      for (let k = 0; k < count; k++, a += 2) attributes[k] = { key: this.str(c.attrs[a], at), value: this.val(c.attrs[a + 1], at) };
      const r = rest.get(i);
      this.spans.push({
        traceId: this.str(c.traceId[i], at),
        spanId: this.str(c.spanId[i], at),
        parentSpanId: this.str(c.parentSpanId[i], at),
        traceState: r?.traceState === undefined ? '' : this.str(r.traceState, at),
        flags: r?.flags ?? 0,
        name: this.str(c.name[i], at),
        kind: c.kind[i] as SpanKind,
        startTimeUnixNano: start,
        endTimeUnixNano: TraceColumnsDecoder.nano(start, c.duration[i], `${at}.duration`),
        attributes,
        droppedAttributesCount: r?.droppedAttributesCount ?? 0,
        events: (r?.events ?? []).map((e): SpanEvent => ({
          timeUnixNano: TraceColumnsDecoder.nano(start, e[0], `${at}.events`),
          name: this.str(e[1], at),
          attributes: this.attrs(e[2], `${at}.events`),
          droppedAttributesCount: Number(e[3]) || 0,
        })),
        droppedEventsCount: r?.droppedEventsCount ?? 0,
        links: (r?.links ?? []).map((l): SpanLink => ({
          traceId: this.str(l[0], at),
          spanId: this.str(l[1], at),
          traceState: this.str(l[2], at),
          attributes: this.attrs(l[3], `${at}.links`),
          droppedAttributesCount: Number(l[4]) || 0,
          flags: Number(l[5]) || 0,
        })),
        droppedLinksCount: r?.droppedLinksCount ?? 0,
        status: { code: c.statusCode[i] as StatusCode, message: this.str(c.statusMessage[i], at) },
        resource,
        scope,
      });
    }
    if (a !== c.attrs.length) throw new DecodeError(`${where}.attrs: ${c.attrs.length - a} values left over`);
  }
}

/** The spans of a whole compact trace answer (`{chunks: [...]}`); DecodeError naming the part that does not fit. */
export function decodeTraceColumns(doc: unknown): Span[] {
  const chunks = typeof doc === 'object' && doc !== null ? (doc as { chunks?: unknown }).chunks : undefined;
  if (!Array.isArray(chunks)) throw new DecodeError('compact trace answer: expected a "chunks" array');
  const decoder = new TraceColumnsDecoder();
  chunks.forEach((c, i) => decoder.add(c, `chunks[${i}]`));
  return decoder.spans;
}
