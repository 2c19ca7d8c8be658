import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ObjectStorage } from '../services/storage/storage';

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

    async probe() {
      return 'local';
    },
  };
}
