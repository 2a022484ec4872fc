// A real OpenID Connect provider for the sign-in tests (started by tests/web/oidc_provider.py): the npm package
// oidc-provider, with its own default sign-in and consent pages ("devInteractions": any login, no password check).
//
//   node tests/web/oidc_provider.mjs PEOPLE_JSON CLIENT_JSON
//
// PEOPLE_JSON is a file of {login: {email, email_verified, name, groups, ...}}, read again at every sign-in, so a
// test can move someone to another group between two sign-ins. CLIENT_JSON is the one client, contactguard:
// {client_id, client_secret, redirect_uris}. It listens on a free port of 127.0.0.1 and prints
// "issuer http://127.0.0.1:PORT" once it answers.
//
// As a council's provider usually is: the code flow, PKCE required, an RS256-signed ID token carrying only the
// protocol's claims (conformIdTokenClaims), and the e-mail, name and groups released by the userinfo endpoint for
// the scopes `email` and `profile`.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';

import Provider from 'oidc-provider';

const [peopleFile, clientJson] = process.argv.slice(2);

function findAccount(ctx, login) {
  const person = JSON.parse(readFileSync(peopleFile, 'utf8'))[login];
  if (!person) {
    return undefined;
  }
  return { accountId: login, claims: async () => ({ ...person, sub: login }) };
}

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const provider = new Provider(issuer, {
    clients: [JSON.parse(clientJson)],
    findAccount,
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'groups'] },
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'test-key', alg: 'RS256', use: 'sig' }] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
  });
  server.on('request', provider.callback());
  console.log(`issuer ${issuer}`);
});
