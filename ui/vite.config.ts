import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/*
 * The UI is served by the API on its own origin (api/http/ui/plugin.ts): built into ui/dist for
 * production, or through this config in Vite's middleware mode under `syntra dev`.
 */
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  // A path of our own for the dev server's cache: the API's process may run from any folder.
  cacheDir: '../node_modules/.vite-ui',
  // `syntra dev` transforms the app (and so pre-bundles its dependencies) as it starts, not at the first page load.
  server: { warmup: { clientFiles: ['./src/main.tsx'] } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Vite counts minified bytes; the budget is 250 KB gzip for the initial load (docs/benchmarks.md).
    chunkSizeWarningLimit: 500,
  },
});
