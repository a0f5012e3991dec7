import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const EARLY_ENTRY = fileURLToPath(new URL('src/early/early-entry.ts', import.meta.url));

/**
 * The early entry (src/early/early-entry.ts) starts the api requests of a cold open before the app's bundle
 * has loaded and compiled. In the built page it is an inline script, first in <head>: it runs while the
 * HTML is parsed, without waiting for a file of its own (under load that wait was 100–200 ms). The api
 * allows exactly that script by its hash in the Content-Security-Policy (services/api/src/http/web-ui.ts).
 * It is a build input of its own (Vite joins every module script of index.html into one entry) whose
 * code is inlined; the app's bundle does not import it (it would wait for that file before running). In
 * the dev server it is a module script ahead of the app's, so it runs first there too.
 */
function earlyEntry(): Plugin {
  return {
    name: 'tributary-early-entry',
    transformIndexHtml: {
      order: 'post',
      handler(_html, ctx) {
        if (!ctx.bundle)
          return [
            {
              tag: 'script',
              attrs: { type: 'module', src: '/src/early/early-entry.ts' },
              injectTo: 'head-prepend',
            },
          ];
        const chunk = Object.values(ctx.bundle).find(
          (c) => c.type === 'chunk' && c.isEntry && c.facadeModuleId === EARLY_ENTRY,
        );
        if (!chunk || chunk.type !== 'chunk') throw new Error('the early entry was not built');
        if (/^\s*(import|export)\b/m.test(chunk.code) || chunk.imports.length > 0)
          throw new Error('the early entry must stay one self-contained script (no imports, no exports)');
        // A function scope keeps its minified names off `window`; the source map comment has no file here.
        const code = chunk.code.replace(/\n\/\/# sourceMappingURL=.*\s*$/, '').trim();
        return [{ tag: 'script', children: `(()=>{${code}})();`, injectTo: 'head-prepend' }];
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
