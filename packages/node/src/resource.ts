// Resource attributes: who is sending (service name and version, host, process, container).
// Precedence, lowest first: SDK defaults, the app's package.json, start() options, then the standard
// environment variables (OTEL_RESOURCE_ATTRIBUTES, OTEL_SERVICE_NAME), so operators can always override.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Attributes } from '@opentelemetry/api';
import { getResourceDetectors } from '@opentelemetry/auto-instrumentations-node';
import { containerDetector } from '@opentelemetry/resource-detector-container';
import {
  defaultResource,
  envDetector,
  hostDetector,
  osDetector,
  processDetector,
  resourceFromAttributes,
  type Resource,
  type ResourceDetector,
} from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

export interface ServiceIdentity {
  serviceName?: string;
  serviceVersion?: string;
  resourceAttributes?: Attributes;
}

interface Manifest {
  name?: unknown;
  version?: unknown;
}

/** The nearest package.json above `from` (the app's entry script), if any. */
export function findAppManifest(from: string): Manifest | undefined {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    try {
      return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
    } catch {
      // not here (or unreadable): keep walking up
    }
    if (dirname(dir) === dir) return undefined;
  }
}

function appEntryDir(): string {
  const entry = process.argv[1];
  return entry ? dirname(resolve(entry)) : process.cwd();
}

export function baseResource(identity: ServiceIdentity, manifest = findAppManifest(appEntryDir())): Resource {
  const fromManifest: Attributes = {};
  if (typeof manifest?.name === 'string' && manifest.name) fromManifest[ATTR_SERVICE_NAME] = manifest.name;
  if (typeof manifest?.version === 'string' && manifest.version) fromManifest[ATTR_SERVICE_VERSION] = manifest.version;
  const fromOptions: Attributes = { ...identity.resourceAttributes };
  if (identity.serviceName) fromOptions[ATTR_SERVICE_NAME] = identity.serviceName;
  if (identity.serviceVersion) fromOptions[ATTR_SERVICE_VERSION] = identity.serviceVersion;
  return defaultResource().merge(resourceFromAttributes(fromManifest)).merge(resourceFromAttributes(fromOptions));
}

/**
 * Detectors run at start; env goes last so that it wins. Cloud detectors probe metadata endpoints over the
 * network, so they run only when asked for with OTEL_NODE_RESOURCE_DETECTORS.
 */
export function resourceDetectors(): ResourceDetector[] {
  if (process.env.OTEL_NODE_RESOURCE_DETECTORS) return getResourceDetectors();
  return [containerDetector, hostDetector, osDetector, processDetector, envDetector];
}
