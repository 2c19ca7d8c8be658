import { parseArgs } from 'node:util';
import { loadDevIssuer } from './dev-issuer';

/** `npm run token -- --sub alice --scope "write:jobs" [--email a@b.c] [--name Alice] [--ttl 3600]` */
const { values } = parseArgs({
  options: {
    sub: { type: 'string', default: 'dev|local-user' },
    scope: { type: 'string', default: '' },
    email: { type: 'string' },
    name: { type: 'string' },
    ttl: { type: 'string', default: '3600' },
  },
});
const ttl = Number(values.ttl);
if (!Number.isInteger(ttl) || ttl <= 0) {
  console.error('--ttl must be a positive number of seconds');
  process.exit(1);
}
const issuer = await loadDevIssuer();
const token = await issuer.sign(
  { sub: values.sub, scope: values.scope || undefined, email: values.email, name: values.name },
  ttl,
);
console.log(token);
