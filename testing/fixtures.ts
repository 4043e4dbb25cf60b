// Shared test support: where the recorded traces of other projects live. They are never copied into this repo;
// CI lays `shared/` beside the clone, so the default is `<repo>/../shared/fixtures`.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

export const REPO_ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const FIXTURES_DIR = process.env.SEXTANT_FIXTURES ?? resolve(REPO_ROOT, '../shared/fixtures');

export function fixturePath(rel: string): string {
  return resolve(FIXTURES_DIR, rel);
}

export function readFixtureText(rel: string): string {
  return readFileSync(fixturePath(rel), 'utf8');
}

export function readFixtureJson<T = unknown>(rel: string): T {
  return JSON.parse(readFixtureText(rel)) as T;
}
