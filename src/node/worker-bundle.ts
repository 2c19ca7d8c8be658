import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';

const bundles = new Map<string, Promise<URL>>();
let outDir: string | undefined;

/**
 * A worker thread's task module as one plain JavaScript file: the project's TypeScript compiled
 * and bundled by esbuild (~30 ms), packages left as imports of their absolute paths. A thread then
 * loads it as any module, without tsx's loader, which costs a thread ~40 MB and 300 ms to start.
 * Built once per module and process, into a temporary folder (the project may be read-only).
 */
export function bundleWorker(entry: URL): Promise<URL> {
  let bundle = bundles.get(entry.href);
  if (!bundle) {
    bundle = (async () => {
      outDir ??= mkdtempSync(path.join(tmpdir(), 'jobmate-workers-'));
      const outfile = path.join(outDir, `${path.basename(fileURLToPath(entry), '.ts')}.mjs`);
      await build({
        entryPoints: [fileURLToPath(entry)],
        outfile,
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        sourcemap: 'inline',
        logLevel: 'silent',
        plugins: [packagesByAbsolutePath],
      });
      return pathToFileURL(outfile);
    })();
    bundle.catch(() => bundles.delete(entry.href));
    bundles.set(entry.href, bundle);
  }
  return bundle;
}

/** Packages stay imports, of the file esbuild resolved: the bundle works from any folder. */
const packagesByAbsolutePath: Plugin = {
  name: 'packages-by-absolute-path',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.path.startsWith('node:') || args.pluginData === 'resolving') return undefined;
      const resolved = await pluginBuild.resolve(args.path, {
        resolveDir: args.resolveDir,
        kind: args.kind,
        importer: args.importer,
        pluginData: 'resolving',
      });
      if (resolved.errors.length > 0 || !path.isAbsolute(resolved.path)) return { external: true };
      return { path: pathToFileURL(resolved.path).href, external: true };
    });
  },
};
