// In-memory storage behind oidc-provider's documented `adapter` interface.
//
// Besides plain storage it does two things the test server needs:
// - like Logto's database adapter, a consumed refresh token is reported as consumed only once
//   REFRESH_TOKEN_REUSE_INTERVAL_MS have passed since its (latest) consumption, so a rotated
//   refresh token stays usable for a short grace period before its reuse counts as theft;
// - the `/__test/*` routes can list what is stored (grants, sessions) and clients can be changed
//   at run time (clients are served from here, not from the static `clients` configuration).

/** Logto's `refreshTokenReuseInterval` (3 seconds). */
export const REFRESH_TOKEN_REUSE_INTERVAL_MS = 3000;

/** Records of one model: id -> { payload, expiresAt (ms, Infinity = never), consumedAt (ms) }. */
class Records {
  #byId = new Map();

  get(id) {
    const record = this.#byId.get(id);
    if (record && record.expiresAt <= Date.now()) {
      this.#byId.delete(id);
      return undefined;
    }
    return record;
  }

  set(id, record) {
    this.#byId.set(id, record);
  }

  delete(id) {
    this.#byId.delete(id);
  }

  /** Live records as [id, record] pairs (a snapshot, safe to modify the store meanwhile). */
  entries() {
    return [...this.#byId.keys()].map((id) => [id, this.get(id)]).filter(([, record]) => record);
  }
}

export class MemoryStore {
  #models = new Map();

  constructor({ reuseIntervalMs = REFRESH_TOKEN_REUSE_INTERVAL_MS } = {}) {
    this.reuseIntervalMs = reuseIntervalMs;
  }

  records(model) {
    let records = this.#models.get(model);
    if (!records) {
      records = new Records();
      this.#models.set(model, records);
    }
    return records;
  }

  /** Live payloads of a model as [id, payload] pairs (copies). */
  list(model) {
    return this.records(model).entries().map(([id, record]) => [id, structuredClone(record.payload)]);
  }

  /** Stores a client's metadata (read by oidc-provider's `Client.find`). */
  putClient(metadata) {
    this.records('Client').set(metadata.client_id, { payload: structuredClone(metadata), expiresAt: Infinity });
  }

  getClient(clientId) {
    const record = this.records('Client').get(clientId);
    return record ? structuredClone(record.payload) : undefined;
  }

  /** Whether a record consumed at `consumedAt` counts as consumed now. */
  isConsumed(model, consumedAt) {
    if (consumedAt === undefined) return false;
    if (model !== 'RefreshToken' || this.reuseIntervalMs === 0) return true;
    return Date.now() > consumedAt + this.reuseIntervalMs;
  }

  /** An adapter class for oidc-provider's `adapter` configuration option. */
  adapterClass() {
    const store = this;
    return class StoreAdapter {
      constructor(model) {
        this.model = model;
        this.records = store.records(model);
      }

      async upsert(id, payload, expiresIn) {
        const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : Infinity;
        this.records.set(id, { payload: structuredClone(payload), expiresAt });
      }

      #view(record) {
        if (!record) return undefined;
        const payload = structuredClone(record.payload);
        if (store.isConsumed(this.model, record.consumedAt)) {
          payload.consumed = Math.floor(record.consumedAt / 1000);
        }
        return payload;
      }

      async find(id) {
        return this.#view(this.records.get(id));
      }

      async findByUid(uid) {
        const hit = this.records.entries().find(([, record]) => record.payload.uid === uid);
        return this.#view(hit?.[1]);
      }

      async findByUserCode(userCode) {
        const hit = this.records.entries().find(([, record]) => record.payload.userCode === userCode);
        return this.#view(hit?.[1]);
      }

      async consume(id) {
        // Like Logto: every consumption restarts the grace period.
        const record = this.records.get(id);
        if (record) record.consumedAt = Date.now();
      }

      async destroy(id) {
        this.records.delete(id);
      }

      async revokeByGrantId(grantId) {
        for (const [id, record] of this.records.entries()) {
          if (record.payload.grantId === grantId) this.records.delete(id);
        }
      }
    };
  }
}
