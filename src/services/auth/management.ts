import type { Clock } from '../../clock';
import { AppError } from '../../errors';
import { profileText } from '../users';

/** What hydration needs from an Auth0 user. */
export interface Auth0User {
  email: string | null;
  name: string | null;
  picture: string | null;
}

export interface ManagementClient {
  getUser(sub: string): Promise<Auth0User>;
}

export interface ManagementClientOptions {
  issuer: string;
  clientId: string;
  clientSecret: string;
  fetch: typeof fetch;
  clock: Clock;
  timeoutMs?: number;
}

/** A token is renewed this long before Auth0 says it expires, so a request never carries a dying one. */
const renewMarginMs = 60_000;

/**
 * The Auth0 Management API, as much as hydration needs: a client-credentials token cached until
 * shortly before it expires (one request in flight however many callers wait), and `GET /users/{id}`.
 */
export function createManagementClient(options: ManagementClientOptions): ManagementClient {
  const { issuer, clock } = options;
  const timeoutMs = options.timeoutMs ?? 5_000;
  let cached: { token: string; renewAt: number } | undefined;
  let pending: Promise<string> | undefined;

  const upstreamError = (message: string, cause?: unknown) =>
    new AppError('mgmt_api_error', message, { cause });

  async function call(url: string, init: RequestInit): Promise<Response> {
    try {
      return await options.fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      throw upstreamError('The Auth0 Management API did not answer', err);
    }
  }

  async function requestToken(): Promise<string> {
    const res = await call(new URL('oauth/token', issuer).href, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'client_credentials',
        client_id: options.clientId,
        client_secret: options.clientSecret,
        audience: new URL('api/v2/', issuer).href,
      }),
    });
    if (!res.ok) throw upstreamError(`The Auth0 token endpoint answered ${res.status}`);
    const body = (await res.json().catch(() => undefined)) as
      | { access_token?: unknown; expires_in?: unknown }
      | undefined;
    if (typeof body?.access_token !== 'string')
      throw upstreamError('The Auth0 token endpoint sent no access token');
    const lifetimeMs = (typeof body.expires_in === 'number' ? body.expires_in : 86_400) * 1000;
    const margin = Math.min(renewMarginMs, lifetimeMs / 10);
    cached = { token: body.access_token, renewAt: clock.now().getTime() + lifetimeMs - margin };
    return body.access_token;
  }

  function token(): Promise<string> {
    if (cached && clock.now().getTime() < cached.renewAt) return Promise.resolve(cached.token);
    pending ??= requestToken().finally(() => {
      pending = undefined;
    });
    return pending;
  }

  return {
    async getUser(sub) {
      const res = await call(new URL(`api/v2/users/${encodeURIComponent(sub)}`, issuer).href, {
        headers: { authorization: `Bearer ${await token()}`, accept: 'application/json' },
      });
      if (res.status === 404) throw new AppError('user_not_found_in_auth0', 'Auth0 has no such user');
      if (res.status === 401) cached = undefined; // revoked or rotated: the next call asks for a new one
      if (!res.ok) throw upstreamError(`The Auth0 Management API answered ${res.status}`);
      const user = (await res.json().catch(() => undefined)) as Record<string, unknown> | undefined;
      if (!user || typeof user !== 'object') throw upstreamError('The Auth0 Management API sent no user');
      return {
        email: profileText(user.email),
        name: profileText(user.name),
        picture: profileText(user.picture),
      };
    },
  };
}
