// Tokens that Logto's Management API mints, kept in memory: one-time tokens (magic links),
// impersonation subject tokens and personal access tokens. The `/__test/*` routes create them.
import * as crypto from 'node:crypto';

/** Logto's defaults: one-time tokens live 10 minutes, subject tokens 600 s. */
export const ONE_TIME_TOKEN_DEFAULT_TTL = 600;
export const SUBJECT_TOKEN_TTL = 600;

const secret = () => crypto.randomBytes(24).toString('base64url');
const id = () => crypto.randomBytes(10).toString('hex').slice(0, 21);

export class ManagementTokens {
  oneTimeTokens = new Map(); // token -> record

  subjectTokens = new Map(); // "sub_..." -> record

  personalAccessTokens = new Map(); // "pat_..." -> record

  /** `POST /api/one-time-tokens` `{ email, expiresIn?, context? }`. */
  createOneTimeToken({ email, expiresIn = ONE_TIME_TOKEN_DEFAULT_TTL, context = {} }) {
    const now = Date.now();
    const record = {
      id: id(),
      email,
      token: secret(),
      context,
      status: 'active',
      createdAt: now,
      expiresAt: now + expiresIn * 1000,
    };
    this.oneTimeTokens.set(record.token, record);
    return { ...record };
  }

  /**
   * Checks and consumes a one-time token for `email`, like Logto's `verifyOneTimeToken`.
   * Returns `{ record }` or `{ error }` with Logto's error code.
   */
  consumeOneTimeToken(token, email) {
    const record = this.oneTimeTokens.get(token);
    if (!record) return { error: 'one_time_token.token_not_found' };
    if (!email || record.email.toLowerCase() !== String(email).toLowerCase()) {
      return { error: 'one_time_token.email_mismatch' };
    }
    if (record.expiresAt <= Date.now() || record.status === 'expired') {
      record.status = record.status === 'active' ? 'expired' : record.status;
      return { error: 'one_time_token.token_expired' };
    }
    if (record.status === 'consumed') return { error: 'one_time_token.token_consumed' };
    if (record.status === 'revoked') return { error: 'one_time_token.token_revoked' };
    record.status = 'consumed';
    return { record };
  }

  /** `POST /api/subject-tokens` `{ userId, context? }` -> `{ subjectToken, expiresIn }`. */
  createSubjectToken({ userId, context = {} }) {
    const value = `sub_${id()}`;
    this.subjectTokens.set(value, {
      id: value,
      userId,
      context,
      expiresAt: Date.now() + SUBJECT_TOKEN_TTL * 1000,
      consumedAt: null,
    });
    return { subjectToken: value, expiresIn: SUBJECT_TOKEN_TTL };
  }

  /** `POST /api/users/:userId/personal-access-tokens` `{ name, expiresAt? }`. */
  createPersonalAccessToken({ userId, name, expiresAt = null }) {
    const record = {
      userId,
      name,
      value: `pat_${secret()}`,
      createdAt: Date.now(),
      expiresAt,
    };
    this.personalAccessTokens.set(record.value, record);
    return { ...record };
  }
}
