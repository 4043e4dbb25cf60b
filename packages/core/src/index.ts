export * from './model.js';
export { DecodeError, type DecodeResult } from './codec/errors.js';
export * from './codec/validate.js';
export * from './analysis/tree.js';
export * from './codec/otlp-proto.js';
export * from './analysis/errors.js';
export * from './codec/otlp-json.js';
