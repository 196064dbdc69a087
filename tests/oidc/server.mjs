// A real OpenID provider for the sign-in tests: node-oidc-provider (OpenID Certified), on
// loopback, with the console as a public client (authorisation code with PKCE, refresh tokens)
// and JWT access tokens for the Assure API (audience "assure", a resource indicator).
//
//   node server.mjs PORT CONSOLE_URL SHAPE     (SHAPE: entra or keycloak)
//
// Its issuer is http://localhost:PORT while the console is on 127.0.0.1: two sites, as a real
// council's provider and Assure are, so the browser's cookie rules are the real ones.
// Sign-in uses the provider's development interactions: any login name of the people below,
// any password, then "Continue" to consent. Prints "listening" once it answers.
import { generateKeyPairSync } from 'node:crypto';

import Provider from 'oidc-provider';

const [port, consoleUrl, shape = 'entra'] = process.argv.slice(2);
if (!port || !consoleUrl) {
  console.error('usage: node server.mjs PORT CONSOLE_URL [entra|keycloak]');
  process.exit(2);
}

// The council's people: a name, the roles their directory gives them and, for a provider's
// staff, their organisation (Entra: an app role's value; Keycloak: a realm role).
const PEOPLE = {
  jo: { name: 'Jo Officer', roles: ['Assure.Officer'] },
  sam: { name: 'Sam Senior', roles: ['Assure.GeneralManager'] },
  pat: { name: 'Pat Provider', roles: ['Assure.ProviderUser'], organisation: 'elm-court' },
  nobody: { name: 'No Role', roles: ['Directory.Reader'] },
};

function claimsOf(id) {
  const person = PEOPLE[id] ?? { name: id, roles: [] };
  const roles = shape === 'keycloak'
    ? { realm_access: { roles: ['offline_access', ...person.roles] } }
    : { roles: person.roles };
  return { name: person.name, ...roles, ...(person.organisation ? { organisation: person.organisation } : {}) };
}

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-1', use: 'sig', alg: 'RS256' };

const configuration = {
  clients: [{
    client_id: 'assure-console',
    token_endpoint_auth_method: 'none',
    redirect_uris: [`${consoleUrl}/console/signed-in`],
    post_logout_redirect_uris: [`${consoleUrl}/console/sign-in`],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    scope: 'openid profile offline_access assure',
  }],
  jwks: { keys: [signingKey] },
  cookies: { keys: ['assure-tests-only'] },
  claims: { openid: ['sub'], profile: ['name'] },
  scopes: ['openid', 'profile', 'offline_access', 'assure'],
  findAccount: async (ctx, id) => ({
    accountId: id,
    claims: async () => ({ sub: id, ...claimsOf(id) }),
  }),
  // The council's directory grants these for every sign-in, as Entra ID's offline_access does.
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: async () => 'urn:assure:api',
      useGrantedResource: async () => true,
      getResourceServerInfo: async () => ({
        scope: 'assure', audience: 'assure', accessTokenFormat: 'jwt', accessTokenTTL: 600,
        jwt: { sign: { alg: 'RS256' } },
      }),
    },
  },
  // The API reads roles, organisation and name from the access token, as it would Entra's.
  extraTokenClaims: async (ctx, token) => (token.kind === 'AccessToken' ? claimsOf(token.accountId) : undefined),
  pkce: { required: () => true },
  ttl: { Session: 3600, Grant: 3600, Interaction: 600, RefreshToken: 3600, IdToken: 600, AuthorizationCode: 60 },
};

const provider = new Provider(`http://localhost:${port}`, configuration);
provider.listen(Number(port), '127.0.0.1', () => console.log('listening'));
