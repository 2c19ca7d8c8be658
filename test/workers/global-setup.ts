import type { TestProject } from 'vitest/node';
import { startAuth0StandIn } from '../support/auth0-standin';

/**
 * Runs in Node: a real JWKS on loopback (the Auth0 stand-in) and RS256 tokens signed with its key,
 * handed to the config (issuer, audience -> worker bindings) and to the tests (tokens) via `provide`.
 */
export default async function setup(project: TestProject) {
  const auth0 = await startAuth0StandIn();
  const user = { sub: 'auth0|workers-smoke', email: 'smoke@example.com', name: 'Smoke Test' };
  project.provide('auth0Issuer', auth0.issuer);
  project.provide('auth0Audience', auth0.audience);
  project.provide('tokens', {
    user: { sub: user.sub, token: await auth0.sign(user) },
    wrongAudience: { sub: user.sub, token: await auth0.sign(user, { audience: 'https://other.example' }) },
  });
  return () => auth0.close();
}
