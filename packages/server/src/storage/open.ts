/** Opens a storage engine by name: in a thread of its own when the engine asks for one, else on this thread. */
import type { BatchEncoder, CommonStorageOptions, EncodedBatch, StorageBackend, StorageCapabilities } from './contract.js';
import { loadEngine } from './engines.js';
import { openInWorker } from './thread/worker-store.js';

export interface OpenStorage {
  backend: StorageBackend;
  encoder: BatchEncoder<EncodedBatch>;
  capabilities: StorageCapabilities;
  /** Called once if the engine's thread dies while still needed (not after close). */
  onDeath(listener: (err: Error) => void): void;
}

export async function openStorage(engineName: string, options: CommonStorageOptions & Record<string, unknown>): Promise<OpenStorage> {
  const engine = await loadEngine(engineName);
  const encoder = engine.createEncoder();
  if (!engine.capabilities.ownThread) {
    return { backend: await engine.open(options), encoder, capabilities: engine.capabilities, onDeath: () => undefined };
  }
  const backend = await openInWorker(engine.name, options, encoder);
  return {
    backend,
    encoder,
    capabilities: engine.capabilities,
    onDeath: (listener) => {
      backend.onDeath = listener;
    },
  };
}
