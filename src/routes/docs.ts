import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { docsPage, docsScript, docsStyles } from './docs-assets';

/**
 * `/docs`: an interactive reference for `/openapi.json`. Its script and styles are served by the
 * app itself (no CDN), so it works offline, on a locked-down network and on Workers.
 */
export function docsRoutes() {
  const assetHeaders = { 'Cache-Control': 'public, max-age=300' };
  return new Hono<AppEnv>()
    .get('/docs', (c) => c.html(docsPage))
    .get('/docs/assets/docs.js', (c) =>
      c.body(docsScript, 200, { ...assetHeaders, 'Content-Type': 'text/javascript; charset=utf-8' }),
    )
    .get('/docs/assets/docs.css', (c) =>
      c.body(docsStyles, 200, { ...assetHeaders, 'Content-Type': 'text/css; charset=utf-8' }),
    );
}
