import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { DocsAssetFile, DocsAssets } from '../routes/docs';

const contentTypes: Record<DocsAssetFile, string> = {
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui.css': 'text/css; charset=utf-8',
};

/** The folder of the installed `swagger-ui-dist` package. */
export function swaggerUiDistDir(): string {
  return path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
}

/**
 * The docs viewer's files on Node, read from the `swagger-ui-dist` package once and kept in
 * memory (about 1.9 MB; the server compresses them per request like any other response).
 */
export function swaggerUiAssets(dir: string = swaggerUiDistDir()): DocsAssets {
  const files = new Map<DocsAssetFile, Promise<Uint8Array<ArrayBuffer>>>();
  return async (file) => {
    let bytes = files.get(file);
    if (!bytes) {
      bytes = readFile(path.join(dir, file)).then((b) => new Uint8Array(b));
      files.set(file, bytes);
    }
    return new Response(await bytes, {
      headers: { 'Content-Type': contentTypes[file], 'Cache-Control': 'public, max-age=3600' },
    });
  };
}
