import type { JWTPayload } from 'jose';

/** Who a verified token speaks for: what the guard puts on the request. */
export interface AuthContext {
  sub: string;
  /** From `scope` (space separated) and `permissions` (Auth0 RBAC), merged. */
  scopes: ReadonlySet<string>;
  claims: JWTPayload;
}
