// Types of the client (www/src/client.js), the loader's errors (www/src/loader.js) and the
// persistent cache (www/src/cache.js).

import type { EvaluationContext, EvaluationDetails, DetailsOptions, FlagType, SnapshotProblem, JsonValue } from "./engine.js";

/** Why a load failed. */
export type LoadErrorKind =
  | 'http'          // the server answered an error status (see `status`)
  | 'network'       // no answer: connection refused, DNS, reset before the headers
  | 'timeout'       // no complete answer within `timeout`
  | 'truncated'     // the connection closed before the whole body arrived
  | 'too-large'     // the body is over `maxBytes` (Content-Length or counted while streaming)
  | 'content-type'  // an HTML page, not a snapshot
  | 'decode'        // the body is not valid UTF-8
  | 'invalid'       // the engine refused the snapshot (see `problems`): not JSON, invalid
  | 'schema'        // a `schema` this engine does not know
  | 'older'         // a version lower than the one held (anti-rollback)
  | 'conflict'      // the version held, served with different content
  | 'signature'     // trusted keys are configured: the snapshot is unsigned, or its signature does not verify
  | 'storage'       // the persistent cache could not be written
  | 'wasm'          // the WebAssembly module could not be initialised
  | 'aborted';      // the client was closed

/** A failed or refused load, as emitted by 'error' and carried by 'stale', ready() and refresh(). */
export declare class LoadError extends Error {
  constructor(kind: LoadErrorKind, message: string, info?: {
    url?: string; status?: number; problems?: SnapshotProblem[]; cause?: unknown; attempts?: number;
    version?: number; heldVersion?: number;
  });
  readonly name: 'LoadError';
  kind: LoadErrorKind;
  /** The snapshot URL, or null (bootstrap). */
  url: string | null;
  /** The HTTP status when there was one. */
  status: number | null;
  /** Attempts made (retries included). */
  attempts: number;
  /** Every problem the engine found ('invalid', 'schema'). */
  problems?: SnapshotProblem[];
  /** The refused snapshot's version ('older', 'conflict'). */
  version?: number;
  /** The version held when it was refused ('older', 'conflict'). */
  heldVersion?: number;
  /** Whether a retry soon may succeed (network, timeout, truncated, HTTP 5xx/408/429). */
  readonly retryable: boolean;
}

/** One cached snapshot; `sig` is its signature file (kept so that a client with `publicKeys` verifies the entry again). */
export interface CacheEntry { text: string; etag: string | null; version: number; sig?: string }

/** Where the last good snapshot is kept between runs. Both methods may be synchronous or asynchronous. */
export interface SnapshotStorage {
  get(): CacheEntry | null | Promise<CacheEntry | null>;
  set(entry: CacheEntry): void | Promise<void>;
}

/** Retry policy: `retries` after the first attempt (at most 10), full-jitter delays in [0, min(maxDelay, baseDelay·2^n)). */
export interface RetryOptions {
  /** Default 2. */
  retries?: number;
  /** Default 250 ms. */
  baseDelay?: number;
  /** Default 5000 ms, at most 60000. */
  maxDelay?: number;
}

export interface ClientOptions {
  /** Where the snapshot is published. Without it the client serves `bootstrap` only. */
  url?: string | URL;
  /** A snapshot (object or JSON text) served at once, before the cache and the network. */
  bootstrap?: object | string;
  /** Polling period in ms (default 30000); 0 disables polling. Browsers pause it while the page is hidden. */
  refreshInterval?: number;
  /** Time allowed for one attempt, headers and body, in ms (default 10000). */
  timeout?: number;
  /** The persistent last-good cache: default localStorage (browsers), the Cache API (workers), memory elsewhere; `false` for none. */
  storage?: SnapshotStorage | false;
  /** The fetch to use (default globalThis.fetch). */
  fetch?: typeof fetch;
  /** A number of retries or a policy (default 2 retries, 250 ms base, 5 s max). */
  retries?: number | RetryOptions;
  /** Accept a snapshot whose version is lower than the one held (default false: refused as 'older'). */
  allowRollback?: boolean;
  /** The largest body accepted, in bytes (default 16 MiB). */
  maxBytes?: number;
  /**
   * Trusted Ed25519 public keys (several for rotation). When given, a snapshot from `url` or the cache is used
   * only if a signature in its `.sig` file (`<url>.sig`, written by `edgeflag sign`) verifies with one of them,
   * checked with WebCrypto before the bytes reach the engine; otherwise it is refused ('signature') and the
   * snapshot in use is kept. `key`: base64 of the 32-byte key (`edgeflag keygen`), a JWK, bytes or a CryptoKey.
   * The bootstrap snapshot is part of the application and is not checked.
   */
  publicKeys?: Array<{ keyId: string; key: string | JsonWebKey | Uint8Array | ArrayBuffer | CryptoKey }>;
  /**
   * What initWasm takes: URL, bytes, Response, or a compiled WebAssembly.Module (required in Cloudflare
   * Workers; initialises synchronously). Not needed when initWasm was already awaited.
   */
  wasm?: unknown;
  /**
   * What initRegex takes: the operators (regular-expression) module, loaded before a snapshot that uses
   * `matches`, `semver_*` or `in_cidr` (by
   * default fetched beside the JS in browsers, read from disk in Node, Deno and Bun; in Cloudflare Workers pass
   * `import regex from "edgeflag/regex.wasm"`). Not needed when initRegex was already awaited.
   */
  regex?: unknown;
  /**
   * What initDiagnostics takes: the diagnostics module, loaded when a snapshot is refused, so that the refusal
   * reports each problem's message (by default fetched beside the JS in browsers, read from disk in Node, Deno
   * and Bun; in Cloudflare Workers pass `import diagnostics from "edgeflag/diagnostics.wasm"`; without it a
   * refusal lists the problems' paths with a fixed text).
   */
  diagnostics?: unknown;
  /** @internal Called after each evaluation (exposure events). */
  onEvaluate?: (event: EvaluationEvent) => void;
}

/** @internal The argument of the onEvaluate hook. */
export interface EvaluationEvent {
  flag: string;
  type: FlagType | 'details';
  value: unknown;
  fallback: unknown;
  details: EvaluationDetails<unknown>;
  context: unknown;
  version: number | null;
}

export type SnapshotSource = 'bootstrap' | 'cache' | 'network';

export interface ReadyEvent { version: number; source: SnapshotSource }
export interface ChangeEvent {
  previousVersion: number;
  version: number;
  /** Flag keys present now and not before. */
  added: string[];
  /** Flag keys present before and not now. */
  removed: string[];
  /**
   * Flag keys that may answer differently now (changed, added or removed; a changed segment or prerequisite
   * counts for the flags using it), or null when that cannot be told: then any flag may have changed.
   */
  changed: string[] | null;
  source: SnapshotSource;
}
export interface StaleEvent {
  /** The version still served. */
  version: number;
  error: LoadError;
  /** Consecutive failed or refused refreshes. */
  failures: number;
  /** "still serving snapshot version N: <what went wrong>" */
  message: string;
}

export interface ClientEvents {
  ready: ReadyEvent;
  change: ChangeEvent;
  error: LoadError;
  stale: StaleEvent;
}

export type ClientStatus = 'loading' | 'ready' | 'stale' | 'error' | 'closed';

export interface RefreshResult {
  status: 'updated' | 'not-modified' | 'unchanged' | 'failed' | 'closed';
  /** The version served after the refresh. */
  version: number | null;
  error?: LoadError;
}

/** Reads for one context; follows the client's snapshot changes. */
export interface ContextEvaluator {
  readonly context: EvaluationContext;
  boolean(key: string, fallback: boolean): boolean;
  string(key: string, fallback: string): string;
  number(key: string, fallback: number): number;
  json<T = unknown>(key: string, fallback: T): T;
  details<T = unknown>(key: string, fallback: T, options?: DetailsOptions): EvaluationDetails<T>;
  all(): Record<string, EvaluationDetails<JsonValue>>;
  /** Frees the binding now (optional; the next read binds again). */
  close(): void;
}

export interface Client {
  /** Version of the snapshot served, or null. */
  readonly version: number | null;
  readonly environment: string | null;
  readonly etag: string | null;
  readonly status: ClientStatus;

  /**
   * Resolves with the client once a snapshot is in place (bootstrap, cache or network). Rejects with the
   * LoadError of the load in progress if it ends without one (or at once if the last load failed and none is
   * in progress), with kind 'aborted' if the client is closed, with kind 'timeout' after `timeout` ms.
   */
  ready(options?: { timeout?: number }): Promise<Client>;
  /** Checks for a new snapshot now; concurrent calls share one request. Never rejects. */
  refresh(): Promise<RefreshResult>;
  on<E extends keyof ClientEvents>(event: E, listener: (payload: ClientEvents[E]) => void): () => void;
  /** Stops polling, aborts the request in flight, frees the engine. */
  close(): void;

  // Evaluations never throw: on any problem they return the fallback.
  boolean(key: string, fallback: boolean, context?: EvaluationContext): boolean;
  string(key: string, fallback: string, context?: EvaluationContext): string;
  number(key: string, fallback: number, context?: EvaluationContext): number;
  json<T = unknown>(key: string, fallback: T, context?: EvaluationContext): T;
  details<T = unknown>(key: string, fallback: T, context?: EvaluationContext, options?: DetailsOptions): EvaluationDetails<T>;
  /** Every flag's result, keyed by flag key; {} before a snapshot is loaded. */
  all(context?: EvaluationContext): Record<string, EvaluationDetails<JsonValue>>;
  /** A bound evaluator for repeated reads with one context. */
  forContext(context: EvaluationContext): ContextEvaluator;
  /** @internal Hook point for exposure events; returns an unsubscribe function. */
  onEvaluate(hook: (event: EvaluationEvent) => void): () => void;
}

/** Creates a client; throws a TypeError for invalid options only. */
export declare function createClient(options: ClientOptions): Client;

/** Default polling period (ms). */
export declare const DEFAULT_REFRESH_INTERVAL: number;

/** A storage in memory, private to the object returned (share it between clients to share the cache). */
export declare function memoryStorage(): SnapshotStorage;
/** A storage in a Web Storage object (localStorage), keyed by snapshot URL. */
export declare function webStorage(store: Storage, url: string): SnapshotStorage;
/** A storage in the Cache API: `caches.default` when present, else `caches.open('edgeflag')`. */
export declare function cacheApiStorage(caches: CacheStorage & { default?: Cache }, url: string): SnapshotStorage;
