/**
 * Resources and scopes repeat across spans, so they are stored once in side tables (`resources`, `scopes`) and
 * spans refer to them by small sequential ids. This keeps the id of each known content hash, hands out ids for
 * new ones within a batch, and keeps the decoded rows for reads.
 */
import { emptyResource, emptyScope, type Resource, type Scope } from '@sextant/core';
import { ubigintListParam } from './params.js';
import { resourceFromRow, scopeFromRow } from '../stored/row-codec.js';
import type { Row } from './connections.js';
import type { ResourceRow, ScopeRow } from './span-rows.js';

type Read = (sql: string, params?: readonly ReturnType<typeof ubigintListParam>[]) => Promise<Row[]>;

/** A resource or scope first seen in the current batch. */
export interface NewRow<T> {
  id: bigint;
  row: T;
}

/** The side rows a batch discovered, appended with it. */
export interface NewSideRows {
  resources: NewRow<ResourceRow>[];
  scopes: NewRow<ScopeRow>[];
}

const RESOURCE_COLUMNS = 'id, key_hash, attributes, dropped, schema_url';
const SCOPE_COLUMNS = 'id, key_hash, name, version, attributes, dropped, schema_url';

const resourceOf = (r: Row) => resourceFromRow(r.attributes as string, r.dropped as number, r.schema_url as string);
const scopeOf = (r: Row) => scopeFromRow(r.name as string, r.version as string, r.attributes as string, r.dropped as number, r.schema_url as string);

export class SideRows {
  private readonly resources = new Map<bigint, Resource>();
  private readonly scopes = new Map<bigint, Scope>();
  private readonly resourceByHash = new Map<bigint, bigint>();
  private readonly scopeByHash = new Map<bigint, bigint>();
  private nextResourceId = 1n;
  private nextScopeId = 1n;

  constructor(private readonly read: Read) {}

  async load(): Promise<void> {
    for (const r of await this.read(`SELECT ${RESOURCE_COLUMNS} FROM resources`)) {
      const id = r.id as bigint;
      this.resources.set(id, resourceOf(r));
      this.resourceByHash.set(r.key_hash as bigint, id);
      if (id >= this.nextResourceId) this.nextResourceId = id + 1n;
    }
    for (const r of await this.read(`SELECT ${SCOPE_COLUMNS} FROM scopes`)) {
      const id = r.id as bigint;
      this.scopes.set(id, scopeOf(r));
      this.scopeByHash.set(r.key_hash as bigint, id);
      if (id >= this.nextScopeId) this.nextScopeId = id + 1n;
    }
  }

  resourceId(row: ResourceRow, fresh: NewSideRows): bigint {
    let id = this.resourceByHash.get(row.hash);
    if (id === undefined) {
      id = this.nextResourceId++;
      this.resourceByHash.set(row.hash, id);
      fresh.resources.push({ id, row });
    }
    return id;
  }

  scopeId(row: ScopeRow, fresh: NewSideRows): bigint {
    let id = this.scopeByHash.get(row.hash);
    if (id === undefined) {
      id = this.nextScopeId++;
      this.scopeByHash.set(row.hash, id);
      fresh.scopes.push({ id, row });
    }
    return id;
  }

  /** Nothing of a failed batch may stay known either, or a retry would skip its side rows. */
  forget(fresh: NewSideRows): void {
    for (const { row } of fresh.resources) this.resourceByHash.delete(row.hash);
    for (const { row } of fresh.scopes) this.scopeByHash.delete(row.hash);
  }

  /** Loads the decoded forms of these ids (committed by another writer since this process loaded them). */
  async resolve(resourceIds: Iterable<bigint>, scopeIds: Iterable<bigint>): Promise<void> {
    const missingR = [...new Set(resourceIds)].filter((id) => !this.resources.has(id));
    if (missingR.length > 0) {
      for (const r of await this.read(`SELECT ${RESOURCE_COLUMNS} FROM resources WHERE list_contains(?, id)`, [ubigintListParam(missingR)])) {
        this.resources.set(r.id as bigint, resourceOf(r));
      }
    }
    const missingS = [...new Set(scopeIds)].filter((id) => !this.scopes.has(id));
    if (missingS.length > 0) {
      for (const r of await this.read(`SELECT ${SCOPE_COLUMNS} FROM scopes WHERE list_contains(?, id)`, [ubigintListParam(missingS)])) {
        this.scopes.set(r.id as bigint, scopeOf(r));
      }
    }
  }

  resource(id: bigint): Resource {
    return this.resources.get(id) ?? emptyResource();
  }

  scope(id: bigint): Scope {
    return this.scopes.get(id) ?? emptyScope();
  }
}
