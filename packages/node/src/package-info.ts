// The instrumentation scope our own spans are reported under.
import { createRequire } from 'node:module';

// src/ and dist/ both sit next to package.json.
const manifest = createRequire(import.meta.url)('../package.json') as { name: string; version: string };

export const PACKAGE_NAME = manifest.name;
export const PACKAGE_VERSION = manifest.version;
