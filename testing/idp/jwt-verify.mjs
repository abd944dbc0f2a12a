// Compact JWS with this server's own signing key: verified (token exchange accepts JWT access
// tokens issued here as subject tokens) and signed (logout tokens in Logto's older shape,
// logout-tokens.mjs).
import * as crypto from 'node:crypto';

const HASHES = {
  ES256: 'sha256', ES384: 'sha384', ES512: 'sha512', RS256: 'sha256', PS256: 'sha256',
};

const decodeJson = (part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
const encodeJson = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** `crypto.sign`/`crypto.verify` options for `key` under `alg`: JWS wants raw ECDSA signatures. */
function keyOptions(alg, key) {
  const options = { key };
  if (alg.startsWith('ES')) options.dsaEncoding = 'ieee-p1363';
  if (alg === 'PS256') {
    options.padding = crypto.constants.RSA_PKCS1_PSS_PADDING;
    options.saltLength = crypto.constants.RSA_PSS_SALTLEN_DIGEST;
  }
  return options;
}

/** Signs `payload` with `privateJwk` under `header` (whose `alg` must be the key's). */
export function signOwnJwt(header, payload, privateJwk) {
  if (header.alg !== privateJwk.alg) throw new Error('unexpected algorithm');
  const input = `${encodeJson(header)}.${encodeJson(payload)}`;
  const key = crypto.createPrivateKey({ key: privateJwk, format: 'jwk' });
  const signature = crypto.sign(HASHES[header.alg], Buffer.from(input), keyOptions(header.alg, key));
  return `${input}.${signature.toString('base64url')}`;
}

/** The header and payload of a compact JWS, unverified. */
export function decodeJwt(token) {
  const parts = String(token).split('.');
  if (parts.length !== 3) throw new Error('not a compact JWS');
  return { header: decodeJson(parts[0]), payload: decodeJson(parts[1]) };
}

/**
 * Returns `{ header, payload }` if `token` carries a valid signature of `privateJwk`'s key, names
 * `issuer` and has not expired; throws otherwise.
 */
export function verifyOwnJwt(token, { privateJwk, issuer }) {
  const parts = String(token).split('.');
  if (parts.length !== 3) throw new Error('not a compact JWS');
  const [encodedHeader, encodedPayload, encodedSignature] = parts;
  const header = decodeJson(encodedHeader);
  if (header.alg !== privateJwk.alg || (header.kid !== undefined && header.kid !== privateJwk.kid)) {
    throw new Error('unexpected key or algorithm');
  }
  const { d, p, q, dp, dq, qi, ...publicJwk } = privateJwk;
  const key = crypto.createPublicKey({ key: publicJwk, format: 'jwk' });
  const options = keyOptions(header.alg, key);
  const signed = Buffer.from(`${encodedHeader}.${encodedPayload}`);
  const valid = crypto.verify(HASHES[header.alg], signed, options, Buffer.from(encodedSignature, 'base64url'));
  if (!valid) throw new Error('bad signature');
  const payload = decodeJson(encodedPayload);
  if (payload.iss !== issuer) throw new Error('unexpected issuer');
  if (typeof payload.exp === 'number' && payload.exp <= Math.floor(Date.now() / 1000)) {
    throw new Error('expired');
  }
  return { header, payload };
}
