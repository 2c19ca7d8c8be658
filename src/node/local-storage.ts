import { randomUUID } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ObjectStorage, StoredObject } from '../services/storage/storage';

/**
 * The file path of `key` below `root`. Refuses (throws) any key that could leave the root or name
 * something odd: empty, absolute, NUL, backslashes, empty / `.` / `..` segments.
 */
export function localPathFor(root: string, key: string): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > 1024) {
    throw new Error('Invalid storage key: empty or too long');
  }
  if (key.includes('\0') || key.includes('\\') || key.startsWith('/') || path.isAbsolute(key)) {
    throw new Error(`Invalid storage key (absolute path, NUL or backslash): ${JSON.stringify(key)}`);
  }
  const segments = key.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) {
    throw new Error(`Invalid storage key (empty, . or .. segment): ${JSON.stringify(key)}`);
  }
  const full = path.resolve(root, ...segments);
  const relative = path.relative(root, full);
  if (!relative || relative.startsWith('..') || path.isAbsolute(relative)) {
    throw new Error(`Invalid storage key (outside the storage root): ${JSON.stringify(key)}`);
  }
  return full;
}

/**
 * The folder below `root` where keys starting with `prefix` live, and the `/`-joined key of that
 * folder: the prefix up to its last `/` (`resumes/1` is read from `resumes/`, as S3 matches keys
 * by prefix, not by folder). Refuses prefixes that could leave the root, as `localPathFor` does.
 */
function listingFolder(root: string, prefix: string): { folder: string; folderKey: string } {
  const folderKey = prefix.slice(0, prefix.lastIndexOf('/') + 1);
  const segments = folderKey.split('/').slice(0, -1);
  if (
    prefix.includes('\0') ||
    prefix.includes('\\') ||
    path.isAbsolute(prefix) ||
    segments.some((s) => s === '' || s === '.' || s === '..')
  ) {
    throw new Error(`Invalid storage prefix: ${JSON.stringify(prefix)}`);
  }
  return { folder: path.join(root, ...segments), folderKey };
}

/** The entries of a folder in key order (a folder sorts as its name plus `/`); none when it is missing. */
async function entriesOf(folder: string): Promise<Dirent[]> {
  try {
    const entries = await readdir(folder, { withFileTypes: true });
    const sortName = (e: Dirent) => (e.isDirectory() ? `${e.name}/` : e.name);
    return entries.sort((a, b) => (sortName(a) < sortName(b) ? -1 : sortName(a) > sortName(b) ? 1 : 0));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw err;
  }
}

/**
 * The files below `folder` (whose key is `folderKey`) with keys starting with `prefix`, a folder
 * read at a time. A file removed between reading its folder and its stat is skipped.
 */
async function* walk(folder: string, folderKey: string, prefix: string): AsyncGenerator<StoredObject> {
  for (const entry of await entriesOf(folder)) {
    const key = `${folderKey}${entry.name}`;
    if (entry.isDirectory()) {
      // Below a folder that does not match (`resumes/2/` for `resumes/1`) nothing can.
      if (`${key}/`.startsWith(prefix)) yield* walk(path.join(folder, entry.name), `${key}/`, prefix);
    } else if (entry.isFile() && key.startsWith(prefix)) {
      const stats = await stat(path.join(folder, entry.name)).catch(() => undefined);
      if (stats) yield { key, lastModified: stats.mtime };
    }
  }
}

/** Objects as files below `rootDir` (Node only). Downloads are served by the route from `get`. */
export function createLocalStorage(rootDir: string): ObjectStorage & { readonly root: string } {
  const root = path.resolve(rootDir);
  return {
    kind: 'local',
    bucket: 'local',
    root,

    async put(key, body) {
      const file = localPathFor(root, key);
      await mkdir(path.dirname(file), { recursive: true });
      // Atomic: readers see the old file or the whole new one, never a partial write.
      const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomUUID()}.tmp`);
      try {
        await writeFile(temp, body, { flag: 'wx' });
        await rename(temp, file);
      } catch (err) {
        await rm(temp, { force: true }).catch(() => {});
        throw err;
      }
    },

    async delete(key) {
      await rm(localPathFor(root, key), { force: true });
    },

    async get(key) {
      const file = localPathFor(root, key);
      try {
        const bytes = await readFile(file);
        return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
        throw err;
      }
    },

    async downloadUrl() {
      return undefined;
    },

    async *list(prefix) {
      const { folder, folderKey } = listingFolder(root, prefix);
      yield* walk(folder, folderKey, prefix);
    },

    async probe() {
      return 'local';
    },
  };
}
