// Copies the docs viewer's files (swagger-ui-dist) into public/docs/assets/, the Workers static
// assets folder (wrangler.toml `[assets]`), with the package's licence. Run by wrangler's
// `[build]` step (`wrangler dev`, `wrangler deploy`) and by the workerd tests' global setup.
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const source = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const target = path.join(root, 'public', 'docs', 'assets');
mkdirSync(target, { recursive: true });
for (const file of ['swagger-ui-bundle.js', 'swagger-ui.css', 'LICENSE', 'NOTICE']) {
  copyFileSync(
    path.join(source, file),
    path.join(target, file === 'LICENSE' || file === 'NOTICE' ? `swagger-ui-${file}` : file),
  );
}
