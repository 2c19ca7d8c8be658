import type { AuthContext } from './auth-context';

/**
 * Successful verifications, so that a token seen again skips the RS256 check (~130 µs of CPU): a
 * SHA-256 and a Map lookup instead. Keyed by a hash (a raw token is a credential and is never kept
 * as a key), bounded, and emptied by the key source when its key set changes.
 */
export interface TokenCacheOptions {
  /** Most entries held; past it the oldest go first. 0 turns the cache off. */
  maxEntries?: number;
  /** Longest an entry is trusted, whatever the token's `exp`. */
  maxAgeMs?: number;
}

interface Entry {
  auth: AuthContext;
  /** The entry answers while validFromMs <= now < expiresAtMs, on the verifier's clock. */
  validFromMs: number;
  expiresAtMs: number;
}

export interface TokenValidity {
  /** Read before the verification started; an entry from before a `clear()` is not stored. */
  epoch: number;
  nowMs: number;
  validFromMs: number;
  expiresAtMs: number;
}

export class VerifiedTokenCache {
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;
  readonly #maxAgeMs: number;
  #epoch = 0;

  /**
   * `usable` says whether the key set behind the entries may still be used; when it may not (past
   * stale-if-error), a hit would answer what a verification no longer can, so nothing answers.
   */
  constructor(
    options: TokenCacheOptions = {},
    private readonly usable: () => boolean = () => true,
  ) {
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#maxAgeMs = options.maxAgeMs ?? 2 * 60_000;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Changes on every `clear()`. */
  get epoch(): number {
    return this.#epoch;
  }

  get(key: string, nowMs: number): AuthContext | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (nowMs >= entry.expiresAtMs) {
      this.#entries.delete(key);
      return undefined;
    }
    // A clock set back can put a token before its `nbf` again: verification decides then.
    if (nowMs < entry.validFromMs || !this.usable()) return undefined;
    return entry.auth;
  }

  set(key: string, auth: AuthContext, validity: TokenValidity): void {
    if (validity.epoch !== this.#epoch || this.#maxEntries <= 0) return;
    const expiresAtMs = Math.min(validity.expiresAtMs, validity.nowMs + this.#maxAgeMs);
    if (expiresAtMs <= validity.nowMs) return;
    this.#entries.delete(key); // re-inserted last: Map order is the eviction order
    this.#entries.set(key, { auth, validFromMs: validity.validFromMs, expiresAtMs });
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= this.#maxEntries) break;
      this.#entries.delete(oldest);
    }
  }

  clear(): void {
    this.#entries.clear();
    this.#epoch++;
  }
}

const hex = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const encoder = new TextEncoder();

/**
 * The cache key of a token: SHA-256 (WebCrypto, on Node and Workers alike) of the verifier's
 * scope (issuer, audience, tolerance) and the token, so verifiers that accept different tokens
 * never answer for each other.
 */
export async function tokenCacheKey(scope: string, token: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(`${scope}\n${token}`)));
  let key = '';
  for (const byte of digest) key += hex[byte];
  return key;
}
