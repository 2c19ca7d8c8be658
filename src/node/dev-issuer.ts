import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { JWK } from 'jose';
import { createDevIssuer, type DevIssuer, generateDevKey } from '../services/auth/dev-issuer';

export const devKeyFile = 'instance/dev-issuer-key.json';

/**
 * The development issuer's key lives in `instance/` so that `npm run token` (another process)
 * signs with the key the running server trusts. Created on first use.
 */
export async function loadDevIssuer(file = devKeyFile): Promise<DevIssuer> {
  let jwk: JWK;
  if (existsSync(file)) {
    jwk = JSON.parse(readFileSync(file, 'utf8')) as JWK;
  } else {
    jwk = await generateDevKey();
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(jwk), { mode: 0o600 });
  }
  return createDevIssuer(jwk);
}
