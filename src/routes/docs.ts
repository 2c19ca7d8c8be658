import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { AppError } from '../errors';

/**
 * `/docs`: Swagger UI (the `swagger-ui-dist` package, pinned) over `/openapi.json`. Its files are
 * served from this origin, not a CDN, so the page works offline and behind a locked-down network;
 * they are not in the Worker bundle either: the Node entry reads them from the package
 * (src/node/docs-assets.ts) and Workers serve them as static assets (wrangler.toml `[assets]`,
 * copied by scripts/docs-assets.mjs).
 */

/** The viewer's files, by name. */
export const docsAssetFiles = ['swagger-ui-bundle.js', 'swagger-ui.css'] as const;
export type DocsAssetFile = (typeof docsAssetFiles)[number];
/** Where the viewer's files come from: a response with the file, or undefined when it is missing. */
export type DocsAssets = (file: DocsAssetFile) => Promise<Response | undefined>;

// Swagger UI sets styles through the DOM (allowed by style-src 'self'), and draws its icons as
// inline SVG data. validatorUrl: null keeps it from sending the document to validator.swagger.io.
const docsPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'">
<title>Jobmate API reference</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<script src="/docs/assets/swagger-ui-bundle.js" defer></script>
<script src="/docs/assets/init.js" defer></script>
</head>
<body>
<div id="swagger-ui"></div>
</body>
</html>
`;

/**
 * Swagger UI's options. The bearer token lives in the page's memory only (persistAuthorization
 * off): a token pasted into a reference page should not outlive the tab.
 */
const initScript = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  filter: true,
  validatorUrl: null,
  persistAuthorization: false,
  displayRequestDuration: true,
  tryItOutEnabled: false,
});
`;

const assetHeaders = { 'Cache-Control': 'public, max-age=3600' };

export function docsRoutes(options: { assets?: DocsAssets } = {}) {
  return new Hono<AppEnv>()
    .get('/docs', (c) => c.html(docsPage))
    .get('/docs/assets/init.js', (c) =>
      c.body(initScript, 200, { ...assetHeaders, 'Content-Type': 'text/javascript; charset=utf-8' }),
    )
    .get('/docs/assets/:file', async (c) => {
      const file = c.req.param('file');
      const known = docsAssetFiles.find((f) => f === file);
      const response = known && options.assets ? await options.assets(known) : undefined;
      if (!response) throw new AppError('not_found', `No docs asset named ${file}`);
      return response;
    });
}
