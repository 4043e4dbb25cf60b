import { defineConfig, defaultClientConditions } from 'vite';
import react from '@vitejs/plugin-react';

// `sextant-source` first: @sextant/core is bundled from its TypeScript sources, so the UI never needs a core build.
export default defineConfig({
  plugins: [react()],
  resolve: { conditions: ['sextant-source', ...defaultClientConditions] },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 2500 },
  server: { proxy: { '/api': 'http://127.0.0.1:16686' } },
});
