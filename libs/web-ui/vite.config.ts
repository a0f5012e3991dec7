import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const EARLY_ENTRY = fileURLToPath(new URL('src/early/early-entry.ts', import.meta.url));

/**
 * The early entry (src/early/early-entry.ts) is a bundle of its own, loaded by an `async` module script
 * placed first in the page: it starts the api requests of a cold open while the app's bundle still loads
 * and compiles. (Vite joins every module script of index.html into one entry, so it is a second build
 * input, and its script tag is added here, with the built file's hashed name.) The app's entry imports it
 * too: one module, run once, and always before the app.
 */
function earlyEntry(): Plugin {
  return {
    name: 'tributary-early-entry',
    transformIndexHtml: {
      order: 'post',
      handler(_html, ctx) {
        let src = '/src/early/early-entry.ts';
        if (ctx.bundle) {
          const chunk = Object.values(ctx.bundle).find(
            (c) => c.type === 'chunk' && c.isEntry && c.facadeModuleId === EARLY_ENTRY,
          );
          if (!chunk) throw new Error('the early entry was not built');
          src = `/${chunk.fileName}`;
        }
        return [
          {
            tag: 'script',
            attrs: { type: 'module', async: true, crossorigin: true, src },
            injectTo: 'head-prepend',
          },
        ];
      },
    },
  };
}

/**
 * The app is written against React's API and typed by @types/react, and runs on Preact through
 * preact/compat (a few KB instead of react-dom's ~200 KB: the bundle a cold open of a run's grid must load
 * and compile first). Every import of react / react-dom, the app's and its libraries', goes to Preact.
 */
const PREACT_COMPAT = [
  { find: /^react$/, replacement: 'preact/compat' },
  { find: /^react-dom$/, replacement: 'preact/compat' },
  { find: /^react-dom\/client$/, replacement: 'preact/compat/client' },
  { find: /^react\/jsx-runtime$/, replacement: 'preact/jsx-runtime' },
  { find: /^react\/jsx-dev-runtime$/, replacement: 'preact/jsx-runtime' },
];

// Static files the api serves at `/` (services/api/src/http/web-ui.ts). `npm run dev -w @tributary/web-ui`
// serves the app (an edit reloads the page) and forwards /api to TRIBUTARY_API_URL (default the dev api's port).
export default defineConfig({
  plugins: [earlyEntry()],
  resolve: { conditions: ['@tributary/source'], alias: PREACT_COMPAT },
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 1500,
    rolldownOptions: {
      input: { index: fileURLToPath(new URL('index.html', import.meta.url)), early: EARLY_ENTRY },
      // rjsf marks modules "use client" (for React server components, which this app does not use).
      onwarn(warning, warn) {
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE' && warning.message.includes('"use client"')) return;
        warn(warning);
      },
    },
  },
  server: {
    proxy: { '/api': process.env.TRIBUTARY_API_URL ?? 'http://127.0.0.1:8080' },
  },
});
