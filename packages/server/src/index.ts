export { startSextant, DEFAULT_UI_DIR, type SextantOptions, type RunningSextant } from './server.js';
export { DuckDBStore } from './storage/duckdb/duckdb-store.js';
export type * from './storage/contract.js';
