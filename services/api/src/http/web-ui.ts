import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ApiRequest, ApiResponse } from './http-types.js';

/**
 * The web UI's built files (libs/web-ui, `vite build` → dist/), found through the package so the api
 * serves whatever `npm run build` last produced; null when it was never built (the api still runs).
 */
export function webUiDirectory(): string | null {
  try {
    const dir = join(
      dirname(createRequire(import.meta.url).resolve('@tributary/web-ui/package.json')),
      'dist',
    );
    return existsSync(join(dir, 'index.html')) ? dir : null;
  } catch {
    return null;
  }
}

/** The app only talks to its own origin; no framing, no referrer leaks of run ids. */
const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': contentSecurityPolicy([]),
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

/** No inline script but those whose sha256 is given (the page's early requests, libs/web-ui/vite.config.ts). */
function contentSecurityPolicy(scriptHashes: readonly string[]): string {
  const scripts = ["'self'", ...scriptHashes.map((hash) => `'sha256-${hash}'`)].join(' ');
  return `default-src 'self'; script-src ${scripts}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'`;
}

const ASSET_TYPES: Readonly<Record<string, string>> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  map: 'application/json; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  woff2: 'font/woff2',
};
const ASSET_NAME = /^\/assets\/([A-Za-z0-9._-]+)$/;

/**
 * The hashed files under /assets from memory, each read once: a name's content never changes (the hash is
 * in the name), and a cold open of a run page fetches them while a big run keeps both cores busy, where
 * every extra step of a file read (stat, open, reads on the thread pool) waits to be scheduled.
 * Resolves null for a name that is not there.
 */
function assetCache(dir: string): (name: string) => Promise<Buffer | null> {
  const cache = new Map<string, Buffer>();
  return async (name) => {
    const cached = cache.get(name);
    if (cached) return cached;
    try {
      const body = await readFile(join(dir, 'assets', name));
      cache.set(name, body);
      return body;
    } catch {
      return null;
    }
  };
}

/** index.html and the policy that lets exactly its inline scripts run. */
interface IndexPage {
  mtimeMs: number;
  html: Buffer;
  policy: string;
}

/** The sha256 (base64) of each inline script's text, as the CSP names it. */
export function inlineScriptHashes(html: string): string[] {
  return [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)].map((m) =>
    createHash('sha256').update(m[1]!, 'utf8').digest('base64'),
  );
}

/** index.html from memory (one write, no file read per open), read again when a rebuild changed it. */
function indexPageOf(dir: string): () => IndexPage {
  const file = join(dir, 'index.html');
  let page: IndexPage | null = null;
  return () => {
    const mtimeMs = statSync(file).mtimeMs;
    if (page?.mtimeMs !== mtimeMs) {
      const html = readFileSync(file);
      page = { mtimeMs, html, policy: contentSecurityPolicy(inlineScriptHashes(html.toString('utf8'))) };
    }
    return page;
  };
}

/**
 * Serves the single-page app at `/` (everything outside `/api/`): hashed assets for a year, and
 * `index.html` (never cached) for any other GET, so `/runs/<id>` opens the app on that page. The files
 * are public (they hold no data); every call the app makes goes to the api with the user's token.
 */
export function serveWebUi(dir: string | null) {
  const indexPage = dir ? indexPageOf(dir) : null;
  const asset = dir ? assetCache(dir) : null;
  return (req: ApiRequest, res: ApiResponse, next: (error?: unknown) => void): void => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path.startsWith('/api/') || path === '/api' || (req.method !== 'GET' && req.method !== 'HEAD'))
      return next();
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    if (!dir || !asset) {
      res.status(503).json({
        error: {
          code: 'web_ui_not_built',
          message:
            'the web UI is not built: run `npm run build` (it builds libs/web-ui into libs/web-ui/dist)',
        },
      });
      return;
    }
    const sendIndex = () => {
      let page: IndexPage;
      try {
        page = indexPage!();
      } catch (error) {
        return next(error);
      }
      res.setHeader('Content-Security-Policy', page.policy);
      res.setHeader('Cache-Control', 'no-cache');
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end(req.method === 'HEAD' ? undefined : page.html);
    };
    // A missing asset is a 404, not the app (a stale tab asking for an old bundle should fail plainly).
    if (path.startsWith('/assets/')) {
      const name = ASSET_NAME.exec(path)?.[1];
      const type = ASSET_TYPES[name?.split('.').pop() ?? ''];
      if (!name || !type) return void res.status(404).end();
      asset(name).then((body) => {
        if (!body) return void res.status(404).end();
        res.setHeader('Content-Type', type);
        res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
        res.end(req.method === 'HEAD' ? undefined : body);
      }, next);
      return;
    }
    sendIndex();
  };
}
