import {
  type CompactJWSHeaderParameters,
  createLocalJWKSet,
  errors,
  type FlattenedJWSInput,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from 'jose';
import { type Clock, systemClock } from '../../clock';
import { type Logger, silentLogger } from '../../logger';

/**
 * A remote JSON Web Key Set for jose's `jwtVerify`, built to keep verifying while the JWKS
 * endpoint misbehaves and to cost a request nothing once keys are cached. Runtime-neutral: only
 * `fetch`, `AbortSignal` and timers, so the same code runs on Node and Workers (one per isolate).
 *
 * - Nothing usable cached (first use, or the last good set is older than `staleIfErrorMs`): the
 *   verifications that need keys wait for a fetch.
 * - The set is older than `maxAgeMs`: it is used at once and one refresh runs in the background.
 *   A refresh that fails leaves the set in use (stale-if-error); the next is tried `cooldownMs` later.
 * - An unknown `kid` (key rotation) refetches, at most once per `cooldownMs`.
 * - Concurrent needs share one fetch (single flight). Each waiter also keeps its own deadline, and
 *   a fetch older than `timeoutMs` is given up: on Workers the promises of a request that ended
 *   never settle, and a waiter in another request (or every later one) would hang on them.
 */
export interface KeySetOptions {
  fetch: typeof fetch;
  clock?: Clock;
  /** Failed fetches are logged at warn, key set changes at info. */
  logger?: Logger;
  /** Minimum time between two fetch attempts caused by an unknown `kid` or a failed refresh. */
  cooldownMs?: number;
  /** Age past which a key set is refreshed in the background. */
  maxAgeMs?: number;
  /** Age past which a key set is no longer used, however its refreshes fail. */
  staleIfErrorMs?: number;
  /** Longest one fetch (and any wait for it) may take. */
  timeoutMs?: number;
  /** Called when a fetched set has other keys than the one it replaces. */
  onKeySetChange?: () => void;
}

/** The JWKS could not be fetched, or what came back is not a key set: 401 `auth_failure`. */
export class JwksUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'JwksUnavailableError';
  }
}

interface KeySet {
  getKey: JWTVerifyGetKey;
  /** The keys as fetched, to tell a changed set from a refetch of the same one. */
  fingerprint: string;
  kids: string[];
  fetchedAtMs: number;
  requestedAtMs: number;
}

interface Flight {
  promise: Promise<KeySet>;
  startedAtMs: number;
}

export class RemoteKeySet {
  readonly #url: string;
  readonly #fetch: typeof fetch;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #cooldownMs: number;
  readonly #maxAgeMs: number;
  readonly #staleIfErrorMs: number;
  readonly #timeoutMs: number;
  readonly #onKeySetChange: () => void;
  #current: KeySet | undefined;
  #flight: Flight | undefined;
  #lastAttemptMs = Number.NEGATIVE_INFINITY;

  constructor(url: string, options: KeySetOptions) {
    this.#url = url;
    this.#fetch = options.fetch;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? silentLogger;
    this.#cooldownMs = options.cooldownMs ?? 30_000;
    this.#maxAgeMs = options.maxAgeMs ?? 10 * 60_000;
    this.#staleIfErrorMs = options.staleIfErrorMs ?? 24 * 60 * 60_000;
    this.#timeoutMs = options.timeoutMs ?? 5_000;
    this.#onKeySetChange = options.onKeySetChange ?? (() => {});
  }

  /** The key for a token, as jose's `jwtVerify` asks for it. */
  readonly getKey = async (header: CompactJWSHeaderParameters, token: FlattenedJWSInput) => {
    const set = await this.#usableSet();
    try {
      return await set.getKey(header, token);
    } catch (err) {
      if (!(err instanceof errors.JWKSNoMatchingKey)) throw err;
      const fresher = await this.#refetchForUnknownKid();
      if (!fresher) throw err;
      return fresher.getKey(header, token);
    }
  };

  /** Whether a key set younger than `staleIfErrorMs` is cached. */
  usable(): boolean {
    return this.#current !== undefined && this.#now() - this.#current.fetchedAtMs < this.#staleIfErrorMs;
  }

  #now(): number {
    return this.#clock.now().getTime();
  }

  async #usableSet(): Promise<KeySet> {
    const now = this.#now();
    const set = this.#current;
    if (!set || now - set.fetchedAtMs >= this.#staleIfErrorMs) {
      return this.#wait(this.#activeFlight(now) ?? this.#startFlight(now));
    }
    if (now - set.fetchedAtMs >= this.#maxAgeMs) this.#refreshInBackground(now);
    return set;
  }

  #refreshInBackground(now: number): void {
    if (this.#activeFlight(now) || !this.#cooledDown(now)) return;
    // Nobody waits for it: its failure is logged where it happens and the cached set stays in use.
    this.#startFlight(now);
  }

  /** The set after a refetch for an unknown kid, or undefined when none is allowed yet. */
  async #refetchForUnknownKid(): Promise<KeySet | undefined> {
    const now = this.#now();
    // Joining a fetch that is already running costs nothing, whatever the cooldown.
    const flight = this.#activeFlight(now) ?? (this.#cooledDown(now) ? this.#startFlight(now) : undefined);
    return flight && this.#wait(flight);
  }

  #cooledDown(now: number): boolean {
    return now - this.#lastAttemptMs >= this.#cooldownMs;
  }

  /** The running fetch, unless it is older than `timeoutMs`: then it is taken for lost. */
  #activeFlight(now: number): Flight | undefined {
    const flight = this.#flight;
    return flight && now - flight.startedAtMs < this.#timeoutMs ? flight : undefined;
  }

  #startFlight(now: number): Flight {
    this.#lastAttemptMs = now;
    const promise = this.#fetchKeySet(now).then(
      (set) => this.#install(set),
      (err: unknown) => {
        this.#logFailure(err);
        throw err;
      },
    );
    const flight: Flight = { promise, startedAtMs: now };
    this.#flight = flight;
    const done = () => {
      if (this.#flight === flight) this.#flight = undefined;
    };
    // Marks the rejection handled (a background refresh has no waiter); waiters still see it.
    promise.then(done, done);
    return flight;
  }

  /** Waits for a fetch within this waiter's own deadline (a timer of the request that waits). */
  #wait(flight: Flight): Promise<KeySet> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new JwksUnavailableError(`no answer from ${this.#url} within ${this.#timeoutMs} ms`)),
        this.#timeoutMs,
      );
    });
    return Promise.race([flight.promise, deadline]).finally(() => clearTimeout(timer));
  }

  async #fetchKeySet(requestedAtMs: number): Promise<KeySet> {
    let response: Response;
    try {
      response = await this.#fetch(this.#url, {
        headers: { accept: 'application/json, application/jwk-set+json' },
        redirect: 'manual',
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (cause) {
      throw new JwksUnavailableError(`fetching ${this.#url} failed`, { cause });
    }
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => {});
      throw new JwksUnavailableError(`${this.#url} answered HTTP ${response.status}`);
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch (cause) {
      throw new JwksUnavailableError(`${this.#url} did not answer JSON`, { cause });
    }
    return this.#keySetOf(body, requestedAtMs);
  }

  #keySetOf(body: unknown, requestedAtMs: number): KeySet {
    let getKey: JWTVerifyGetKey;
    try {
      // jose checks the shape (an object whose `keys` is an array of objects) and snapshots it.
      getKey = createLocalJWKSet(body as JSONWebKeySet);
    } catch (cause) {
      throw new JwksUnavailableError(`${this.#url} did not answer a JSON Web Key Set`, { cause });
    }
    const keys = (body as JSONWebKeySet).keys;
    return {
      getKey,
      fingerprint: keys
        .map((k) => JSON.stringify(k))
        .sort()
        .join('\n'),
      kids: keys.map((k) => k.kid).filter((kid): kid is string => typeof kid === 'string'),
      fetchedAtMs: this.#now(),
      requestedAtMs,
    };
  }

  /** Makes a fetched set current, unless a fetch started later already landed. */
  #install(set: KeySet): KeySet {
    const current = this.#current;
    if (current && set.requestedAtMs < current.requestedAtMs) return set;
    this.#current = set;
    if (current && current.fingerprint !== set.fingerprint) {
      this.#logger.info('jwks key set changed', { url: this.#url, kids: set.kids });
      this.#onKeySetChange();
    }
    return set;
  }

  #logFailure(err: unknown): void {
    const current = this.#current;
    this.#logger.warn('jwks fetch failed', {
      url: this.#url,
      reason: reasonOf(err),
      ...(current
        ? { key_set_age_ms: this.#now() - current.fetchedAtMs, serving_cached_keys: this.usable() }
        : { serving_cached_keys: false }),
    });
  }
}

/** `Name: message` of an error and its causes, for a log line. */
export function reasonOf(err: unknown, depth = 3): string {
  if (!(err instanceof Error)) return String(err);
  const own = `${err.name}: ${err.message}`;
  return err.cause !== undefined && depth > 1 ? `${own} (${reasonOf(err.cause, depth - 1)})` : own;
}
