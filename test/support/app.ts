import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { JWTPayload } from 'jose';
import { type AppDeps, createApp } from '../../src/app';
import { parseConfig } from '../../src/config';
import type { Database } from '../../src/db/database';
import { swaggerUiAssets } from '../../src/node/docs-assets';
import { createLocalStorage } from '../../src/node/local-storage';
import type { ObjectStorage } from '../../src/services/storage/storage';
import type { Auth0StandIn } from './auth0-standin';
import { mgmtClientId, mgmtClientSecret } from './auth0-standin';

/** The docs viewer's files, read from the package once for every test app. */
const docsAssets = swaggerUiAssets();

/** The app wired to a test database and the Auth0 stand-in, as the Node entry would wire it. */
export function createTestApp(options: {
  database: Database;
  auth0: Auth0StandIn;
  env?: Record<string, string>;
  management?: boolean;
  deps?: Partial<AppDeps>;
}) {
  const config = parseConfig({
    NODE_ENV: 'test',
    AUTH0_DOMAIN: options.auth0.issuer,
    AUTH0_AUDIENCE: options.auth0.audience,
    ...(options.management === false
      ? {}
      : { AUTH0_MGMT_CLIENT_ID: mgmtClientId, AUTH0_MGMT_CLIENT_SECRET: mgmtClientSecret }),
    ...options.env,
  });
  return createApp({
    config,
    database: options.database,
    storage: options.deps?.storage ?? localTestStorage(),
    jwks: { cooldownMs: 0 },
    docsAssets,
    ...options.deps,
  });
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/**
 * Authorization headers by user name, each token signed once: subject `auth0|<name>`, an e-mail
 * claim, and `extra`. `issuer` is read at the first call (stand-ins start in `beforeAll`).
 */
export function headersByUser(
  issuer: () => { sign(claims: JWTPayload): Promise<string> },
  extra: JWTPayload = {},
): (user: string) => Promise<Record<string, string>> {
  const signed = new Map<string, Promise<Record<string, string>>>();
  return (user) => {
    let headers = signed.get(user);
    if (!headers) {
      headers = issuer()
        .sign({ sub: `auth0|${user}`, email: `${user}@example.com`, ...extra })
        .then(bearer);
      signed.set(user, headers);
    }
    return headers;
  };
}

/** Local-disk storage in a fresh temporary folder (tests about files use real S3 instead). */
export function localTestStorage(): ObjectStorage {
  return createLocalStorage(mkdtempSync(path.join(tmpdir(), 'jobmate-files-')));
}
