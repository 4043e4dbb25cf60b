export { startSextant, DEFAULT_UI_DIR, type SextantOptions, type RunningSextant } from './server.js';
export { DuckDBStore } from './store/duckdb-store.js';
export type * from './store/store.js';
