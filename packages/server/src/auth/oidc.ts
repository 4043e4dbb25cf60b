/**
 * OpenID Connect login (authorization code flow with PKCE, state and nonce) through `openid-client`, which does
 * discovery, the token request and ID token validation. The flow's secrets wait server-side, keyed by `state`,
 * bound to the browser by a short-lived cookie.
 */
import * as client from 'openid-client';
import { isLoopbackHost } from './exposure.js';

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string | null;
  /** Space-separated scopes requested (`openid` is required). */
  scopes: string;
}

interface Pending {
  verifier: string;
  nonce: string;
  next: string;
  expiresAt: number;
}

const PENDING_TTL_MS = 10 * 60_000;

export class OidcLogin {
  private readonly pending = new Map<string, Pending>();

  private constructor(private readonly config: client.Configuration, private readonly scopes: string) {}

  /** Fetches the issuer's metadata; fails at start when it cannot, rather than at the first login. */
  static async discover(s: OidcSettings): Promise<OidcLogin> {
    const issuer = new URL(s.issuer);
    // Plain HTTP is accepted only for a provider on this machine (development, tests); elsewhere it must be HTTPS.
    const insecureOk = issuer.protocol === 'http:' && isLoopbackHost(issuer.hostname);
    try {
      const config = await client.discovery(issuer, s.clientId, s.clientSecret ?? undefined, s.clientSecret ? undefined : client.None(), {
        execute: insecureOk ? [client.allowInsecureRequests] : [],
      });
      return new OidcLogin(config, s.scopes);
    } catch (err) {
      throw new Error(`--oidc-issuer: cannot read the OpenID Connect metadata of ${issuer.href} (${(err as Error).message})`);
    }
  }

  /** Where to send the browser; `state` is what the caller binds to the browser in a cookie. */
  async start(redirectUri: string, next: string): Promise<{ url: string; state: string }> {
    const now = Date.now();
    for (const [k, p] of this.pending) if (p.expiresAt <= now) this.pending.delete(k);
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    this.pending.set(state, { verifier, nonce, next, expiresAt: now + PENDING_TTL_MS });
    const url = client.buildAuthorizationUrl(this.config, {
      redirect_uri: redirectUri,
      scope: this.scopes,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url: url.href, state };
  }

  /**
   * Completes the flow for the callback URL the provider sent the browser to; returns who logged in and where
   * they were going. Throws when the state is unknown, expired or not this browser's, or the provider's answer
   * does not validate.
   */
  async finish(callbackUrl: URL, browserState: string | undefined): Promise<{ subject: string; next: string }> {
    const state = callbackUrl.searchParams.get('state') ?? '';
    const p = this.pending.get(state);
    if (!p || browserState !== state || p.expiresAt <= Date.now()) throw new Error('the login attempt is unknown or expired; start again');
    this.pending.delete(state);
    const tokens = await client.authorizationCodeGrant(this.config, callbackUrl, {
      pkceCodeVerifier: p.verifier,
      expectedState: state,
      expectedNonce: p.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims();
    if (!claims) throw new Error('the provider returned no ID token');
    const subject = [claims.email, claims.preferred_username, claims.sub].find((c): c is string => typeof c === 'string' && c !== '')!;
    return { subject, next: p.next };
  }
}
