import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Static files the api serves at `/` (services/api: web-ui-static.ts). `npm run dev -w @tributary/web-ui`
// serves the app with hot reload and forwards /api to TRIBUTARY_API_URL (default the dev api's port).
export default defineConfig({
  plugins: [react()],
  resolve: { conditions: ['@tributary/source'] },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1500 },
  server: {
    proxy: { '/api': process.env.TRIBUTARY_API_URL ?? 'http://127.0.0.1:8080' },
  },
});
