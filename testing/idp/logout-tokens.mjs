// The shape of the back-channel logout tokens this server sends (README.md, "Back-channel
// logout"). Logto 1.42 and later (oidc-provider 9) give a logout token a 120 s `exp`; every
// release before signs it without `exp` (claims `iss, aud, iat, jti, sid, sub, events`, header
// `typ: logout+jwt`). oidc-provider 9 always sets one, so for the older shape the token it has
// just issued is signed again without that claim, with the same key and header.
import { decodeJwt, signOwnJwt } from './jwt-verify.mjs';

/** What `/__test/logout-tokens` switches: `exp: false` sends Logto's shape before 1.42. */
export class LogoutTokenShape {
  exp = true;

  toJSON() {
    return { exp: this.exp };
  }
}

/** Makes every logout token `provider` issues follow `shape`. */
export function applyLogoutTokenShape(provider, { shape, signingKey }) {
  const { IdToken } = provider;
  const issue = IdToken.prototype.issue;
  IdToken.prototype.issue = async function issueInShape(options = {}) {
    const token = await issue.call(this, options);
    if (options.use !== 'logout' || shape.exp) return token;
    const { header, payload } = decodeJwt(token);
    if (header.kid !== signingKey.kid) throw new Error('a logout token signed with another key');
    delete payload.exp;
    return signOwnJwt(header, payload, signingKey);
  };
}
