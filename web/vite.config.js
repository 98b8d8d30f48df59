// vigil's web UI build: Preact through esbuild's JSX transform (no Babel), one JS and
// one CSS file (plus hls.js, a chunk of its own) with content hashes in the name (vigil
// serves /assets/* with a one-year cache), everything else in index.html.
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  resolve: { alias: { react: 'preact/compat', 'react-dom': 'preact/compat' } },
  build: {
    target: 'es2020',
    outDir: 'dist',
    emptyOutDir: true,
    modulePreload: false,
    assetsInlineLimit: 0,
    reportCompressedSize: true,
    // hls.js (the timeline's player, ~380 KB) is its own chunk, loaded only on that page.
    chunkSizeWarningLimit: 450,
  },
  server: {
    // `npm run dev` against a running vigil (VIGIL_URL, default http://127.0.0.1:5000).
    proxy: Object.fromEntries(['/api', '/clips', '/recordings'].map((p) => [p, process.env.VIGIL_URL || 'http://127.0.0.1:5000'])),
  },
});
