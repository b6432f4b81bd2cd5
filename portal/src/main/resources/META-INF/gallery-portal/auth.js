// Sign-in: OpenID Connect authorization code with PKCE (RFC 7636) at the chosen tenant's issuer, as a public client
// (no secret in a browser). Tokens live in this tab's sessionStorage: gone with the tab, never sent anywhere but in the
// Authorization header to this origin's API (the page's Content-Security-Policy allows no other destination than the
// tenants' token endpoints).

const SESSION = 'gallery.portal.session';
const PENDING = 'gallery.portal.pending';

const b64url = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const random = (n) => b64url(crypto.getRandomValues(new Uint8Array(n)));

export const redirectUri = () => location.origin + '/portal/';

export function session() {
  try {
    return JSON.parse(sessionStorage.getItem(SESSION) || 'null');
  } catch {
    return null;
  }
}

/** Sends the browser to the tenant's sign-in page; it comes back to the portal with a code. */
export async function signIn(config, tenant) {
  const verifier = random(32);
  const challenge = b64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
  const state = random(16);
  const nonce = random(16);
  sessionStorage.setItem(PENDING, JSON.stringify({ state, nonce, verifier, tenant: tenant.name, issuer: tenant.issuer,
    back: location.hash && location.hash !== '#/signin' ? location.hash : '#/' }));
  const url = new URL(tenant.issuer.replace(/\/$/, '') + '/protocol/openid-connect/auth');
  url.search = new URLSearchParams({ client_id: config.clientId, response_type: 'code', scope: 'openid',
    redirect_uri: redirectUri(), state, nonce, code_challenge: challenge, code_challenge_method: 'S256' }).toString();
  location.assign(url.toString());
}

/**
 * After the identity provider sent the browser back (?code=..&state=..): the code is exchanged for tokens. Answers the
 * hash to show next, or null when this load is not a return from sign-in.
 */
export async function completeSignIn(config) {
  const query = new URLSearchParams(location.search);
  if (!query.has('code') && !query.has('error')) {
    return null;
  }
  const pending = JSON.parse(sessionStorage.getItem(PENDING) || 'null');
  sessionStorage.removeItem(PENDING);
  // the code leaves the address bar and the history at once
  history.replaceState(null, '', location.pathname + (pending ? pending.back : '#/'));
  if (query.has('error')) {
    throw new Error('Sign-in failed: ' + (query.get('error_description') || query.get('error')));
  }
  if (!pending || pending.state !== query.get('state')) {
    throw new Error('Sign-in failed: the answer does not belong to a sign-in started here (state). Sign in again.');
  }
  const tenant = config.tenants.find((t) => t.name === pending.tenant && t.issuer === pending.issuer);
  if (!tenant) {
    throw new Error('Sign-in failed: the tenant ' + pending.tenant + ' is no longer offered.');
  }
  if (query.has('iss') && query.get('iss') !== tenant.issuer) {
    throw new Error('Sign-in failed: the answer came from ' + query.get('iss') + ', not ' + tenant.issuer + '.');
  }
  const tokens = await tokenRequest(tenant, { grant_type: 'authorization_code', code: query.get('code'),
    redirect_uri: redirectUri(), client_id: config.clientId, code_verifier: pending.verifier });
  const claims = decode(tokens.id_token);
  if (claims.nonce !== pending.nonce) {
    throw new Error('Sign-in failed: the identity token is not the one asked for (nonce).');
  }
  store(tenant, tokens, claims);
  return pending.back;
}

/** A valid access token, refreshed when it has less than 30 s to live; null when signed out. */
export async function accessToken(config) {
  const s = session();
  if (!s) {
    return null;
  }
  if (Date.now() < s.expiresAt - 30_000) {
    return s.accessToken;
  }
  const tenant = { name: s.tenant, issuer: s.issuer };
  try {
    const tokens = await tokenRequest(tenant, { grant_type: 'refresh_token', refresh_token: s.refreshToken,
      client_id: config.clientId });
    store(tenant, tokens, tokens.id_token ? decode(tokens.id_token) : s.user);
    return tokens.access_token;
  } catch {
    sessionStorage.removeItem(SESSION);
    return null;
  }
}

/** Ends the session here and at the identity provider, which sends the browser back to the portal. */
export function signOut(config) {
  const s = session();
  sessionStorage.removeItem(SESSION);
  if (!s) {
    location.assign(redirectUri());
    return;
  }
  const url = new URL(s.issuer.replace(/\/$/, '') + '/protocol/openid-connect/logout');
  url.search = new URLSearchParams({ client_id: config.clientId, id_token_hint: s.idToken,
    post_logout_redirect_uri: redirectUri() }).toString();
  location.assign(url.toString());
}

async function tokenRequest(tenant, form) {
  let r;
  try {
    r = await fetch(tenant.issuer.replace(/\/$/, '') + '/protocol/openid-connect/token', { method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
  } catch (e) {
    throw new Error('The identity provider of ' + tenant.name + ' cannot be reached: ' + e.message);
  }
  const body = await r.json().catch(() => ({}));
  if (!r.ok) {
    throw new Error('The identity provider refused: ' + (body.error_description || body.error || r.status));
  }
  return body;
}

function store(tenant, tokens, user) {
  const previous = session();
  sessionStorage.setItem(SESSION, JSON.stringify({
    tenant: tenant.name, issuer: tenant.issuer, accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token, idToken: tokens.id_token || previous?.idToken,
    expiresAt: Date.now() + (tokens.expires_in || 300) * 1000,
    user: { name: user.preferred_username || user.name || user.sub, sub: user.sub },
  }));
}

function decode(jwt) {
  const part = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(part), (c) => c.charCodeAt(0))));
}
