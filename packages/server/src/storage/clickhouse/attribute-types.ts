/**
 * The types of attribute values, kept in a table of Sextant's own (sextant_attribute_types). The exporter's maps
 * hold every value as text, so an int 500 reads back as "500" and TraceQL's `span.http.status_code >= 500` would
 * hold for no span. Sextant records which value types it has written under each key, and reads a key's text back
 * as its type when the key has only ever had one scalar type (bool, int or double); a key seen with two types, or
 * with strings, arrays, maps or bytes, stays text. Keys only a Collector wrote have no record: their values stay
 * text, as the exporter left them.
 */
import type { AttrValue, KeyValue, Span } from '@sextant/core';

export type ValueType = 'bool' | 'int' | 'double' | 'text';

export function valueType(v: AttrValue): ValueType {
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'int';
    case 'number':
      return 'double';
    default:
      return 'text';
  }
}

/** The (key, type) pairs of a batch's span, resource, event and link attributes, each once. */
export function typesOf(spans: readonly Span[]): [string, ValueType][] {
  const seen = new Map<string, Set<ValueType>>();
  const add = (attrs: readonly KeyValue[]) => {
    for (const kv of attrs) {
      let types = seen.get(kv.key);
      if (!types) seen.set(kv.key, (types = new Set()));
      types.add(valueType(kv.value));
    }
  };
  const resources = new Set<object>();
  for (const s of spans) {
    add(s.attributes);
    if (!resources.has(s.resource)) {
      resources.add(s.resource);
      add(s.resource.attributes);
    }
    for (const e of s.events) add(e.attributes);
    for (const l of s.links) add(l.attributes);
  }
  return [...seen].flatMap(([key, types]) => [...types].map((t): [string, ValueType] => [key, t]));
}

/** Reads the exporter's text of a value back as the type its key has always had. */
function parse(type: ValueType, text: string): AttrValue {
  switch (type) {
    case 'bool':
      return text === 'true' ? true : text === 'false' ? false : text;
    case 'int':
      return /^-?\d+$/.test(text) ? BigInt(text) : text;
    case 'double': {
      // Only text that is exactly what writing the number gave (String(n)) is taken back as that number.
      const n = Number(text);
      return String(n) === text ? n : text;
    }
    default:
      return text;
  }
}

/** What this process knows of the table: every (key, type) recorded, by itself or by other processes. */
export class AttributeTypes {
  private readonly byKey = new Map<string, Set<ValueType>>();

  has(key: string, type: ValueType): boolean {
    return this.byKey.get(key)?.has(type) ?? false;
  }

  add(pairs: Iterable<readonly [string, ValueType]>): void {
    for (const [key, type] of pairs) {
      let types = this.byKey.get(key);
      if (!types) this.byKey.set(key, (types = new Set()));
      types.add(type);
    }
  }

  /** The pairs of a batch the table does not hold yet. */
  unrecorded(pairs: readonly [string, ValueType][]): [string, ValueType][] {
    return pairs.filter(([key, type]) => !this.has(key, type));
  }

  /** The value of `key` read from its text, or undefined when the key has no single scalar type. */
  read(key: string, text: string): AttrValue | undefined {
    const types = this.byKey.get(key);
    if (!types || types.size !== 1) return undefined;
    const [type] = types;
    return type === 'text' ? undefined : parse(type!, text);
  }
}
