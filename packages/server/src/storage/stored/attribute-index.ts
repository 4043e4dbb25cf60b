/**
 * Attribute keys and a bounded sample of their values, for autocomplete. Kept in memory and persisted as new
 * (key, value) pairs appear, so a restart keeps them. Only scalar values up to MAX_VALUE_LENGTH are indexed:
 * a key with more than MAX_VALUES_PER_KEY distinct values (ids, timestamps) stops collecting values.
 */
import type { AttrValue } from '@sextant/core';

const MAX_KEYS = 10_000;
const MAX_VALUES_PER_KEY = 200;
const MAX_VALUE_LENGTH = 200;

function scalarText(v: AttrValue): string | null {
  switch (typeof v) {
    case 'string':
      return v.length <= MAX_VALUE_LENGTH ? v : null;
    case 'boolean':
    case 'bigint':
    case 'number':
      return String(v);
    default:
      return null;
  }
}

export class AttributeIndex {
  private readonly map = new Map<string, Set<string>>();
  private pending: [string, string][] = [];

  load(key: string, value: string): void {
    let set = this.map.get(key);
    if (!set) this.map.set(key, (set = new Set()));
    set.add(value);
  }

  add(key: string, value: AttrValue): void {
    const set = this.keySet(key);
    if (!set || set.size > MAX_VALUES_PER_KEY) return;
    const text = scalarText(value);
    if (text === null || set.has(text)) return;
    set.add(text);
    this.pending.push([key, text]);
  }

  /** A pair already in text form (as pendingPairs gives them; '' stands for the key alone). */
  addText(key: string, text: string): void {
    const set = this.keySet(key);
    if (!set || set.size > MAX_VALUES_PER_KEY || set.has(text)) return;
    set.add(text);
    this.pending.push([key, text]);
  }

  private keySet(key: string): Set<string> | undefined {
    let set = this.map.get(key);
    if (!set) {
      if (this.map.size >= MAX_KEYS) return undefined;
      this.map.set(key, (set = new Set()));
      // The empty value marks the key itself as known across restarts.
      this.pending.push([key, '']);
      set.add('');
    }
    return set;
  }

  /** Pairs first seen since the last commit or rollback, to be written in the current batch. */
  pendingPairs(): readonly [string, string][] {
    return this.pending;
  }

  commit(): void {
    this.pending = [];
  }

  /** Forgets the pairs of a batch that failed to commit, so a later batch records them again. */
  rollback(): void {
    for (const [k, v] of this.pending) {
      const set = this.map.get(k);
      if (!set) continue;
      set.delete(v);
      if (v === '') this.map.delete(k);
    }
    this.pending = [];
  }

  keys(): string[] {
    return [...this.map.keys()].sort();
  }

  values(key: string): string[] {
    const set = this.map.get(key);
    return set ? [...set].filter((v) => v !== '').sort() : [];
  }
}
