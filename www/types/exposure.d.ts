// Types of `edgeflag/exposure`: exposure events and counters (www/src/exposure.js) and the batching
// sender (www/src/sender.js).

import type { EvaluationEvent } from "./client.js";

/** One exposure: the first evaluation of (context key, flag, variant) within the window. */
export interface ExposureEvent {
  flag: string;
  variant: string;
  /** The served value; only with `includeValue: true`. */
  value?: unknown;
  reason: "STATIC" | "DEFAULT" | "TARGETING_MATCH" | "SPLIT" | "DISABLED" | "PREREQUISITE_FAILED";
  ruleId: string | null;
  /** The context's key (`key`, else `targetingKey`, as a string), or null. */
  contextKey: string | null;
  /** The snapshot version that served it. */
  version: number | null;
  /** Milliseconds since the epoch. */
  time: number;
  /** Present when sampling: the rate the event was sampled at (weight = 1 / sampleRate). */
  sampleRate?: number;
}

/** What `record` takes: the client's onEvaluate event (only flag, details, context and version are read). */
export type EvaluationRecord = Pick<EvaluationEvent, "flag" | "details"> & Partial<Pick<EvaluationEvent, "context" | "version">>;

export interface ExposureOptions {
  /** Called for each exposure; exceptions are counted (stats().callbackErrors) and swallowed. */
  onExposure: (event: ExposureEvent) => void;
  /** A client to attach to at once. */
  client?: { onEvaluate(hook: (event: EvaluationEvent) => void): () => void };
  /** Deduplication window in ms (default 3 600 000: one hour; 0: every evaluation; Infinity: once per LRU lifetime). */
  window?: number;
  /** (context key, flag, variant) triples remembered, least recently used evicted first (default 10 000). */
  maxKeys?: number;
  /** 0..1 (default 1). Deterministic by hash of (context key, flag): see isSampled. */
  sampleRate?: number;
  /** Changes which users are sampled (default ""). */
  sampleSalt?: string;
  /** Add the served value to each event (default false). */
  includeValue?: boolean;
  /** The context key of a context (default: `key`, else `targetingKey`). */
  contextKey?: (context: unknown) => string | number | null | undefined;
  /** Clock in ms since the epoch (default Date.now). */
  now?: () => number;
  /** Distinct flag keys counted (default 1000); evaluations of further flags are not counted. */
  maxCountedFlags?: number;
}

export interface ExposureStats {
  /** Evaluations seen. */
  evaluations: number;
  /** Exposures reported to onExposure. */
  exposures: number;
  /** Evaluations of a triple already exposed within the window. */
  deduplicated: number;
  /** Evaluations whose (context key, flag) is not sampled. */
  sampledOut: number;
  /** Evaluations that served the fallback (no variant): never exposures. */
  errors: number;
  /** Triples evicted from the LRU. */
  evicted: number;
  /** onExposure threw. */
  callbackErrors: number;
  /** Evaluations not counted (more than maxCountedFlags flags). */
  uncounted: number;
  /** Triples held now. */
  tracked: number;
}

/** `{flagKey: {variantKey: n}}`; evaluations that served the fallback count under `error:<ERROR_CODE>`. */
export type Counters = Record<string, Record<string, number>>;

export interface Exposures {
  /** Listens to a client's evaluations; returns a function that stops listening. */
  attach(client: { onEvaluate(hook: (event: EvaluationEvent) => void): () => void }): () => void;
  /** Counts one evaluation; returns the exposure reported, or null. */
  record(evaluation: EvaluationRecord): ExposureEvent | null;
  /** Counts per flag and variant since the last reset (every evaluation, before deduplication and sampling). */
  counters(options?: { reset?: boolean }): Counters;
  /** Resets the counters. */
  reset(): void;
  /** Forgets the exposures seen (the deduplication memory). */
  clear(): void;
  stats(): ExposureStats;
  /** Stops listening to every attached client. */
  close(): void;
}

export declare function createExposures(options: ExposureOptions): Exposures;
/** 32-bit FNV-1a of the UTF-8 bytes of `text`, unsigned. */
export declare function fnv1a32(text: string): number;
/** Whether FNV-1a 32 of `sampleSalt + contextKey + "\0" + flag`, divided by 2^32, is below `sampleRate`. */
export declare function isSampled(contextKey: string | number | null | undefined, flag: string, sampleRate: number, sampleSalt?: string): boolean;
export declare const DEFAULT_EXPOSURE_WINDOW: number;
export declare const DEFAULT_MAX_KEYS: number;
export declare const DEFAULT_MAX_COUNTED_FLAGS: number;

// ---- sender ---------------------------------------------------------------------------------------

/** A request's ctx in a worker, or its waitUntil function. */
export type WaitUntil = { waitUntil(promise: Promise<unknown>): void } | ((promise: Promise<unknown>) => void);

export interface SenderOptions {
  /** Where batches are POSTed. */
  url: string | URL;
  /** 'json' (default): a JSON array, application/json; 'ndjson': one event per line, application/x-ndjson. */
  format?: "json" | "ndjson";
  /** Events per request (default 50); reaching it posts at once. */
  batchSize?: number;
  /** Ms an event waits at most (default 5000; 0: only batchSize and flush()). */
  flushInterval?: number;
  /** Events waiting at most (default 1000). */
  maxQueue?: number;
  /** Which event goes when the queue is full (default 'drop-newest'). Counted in stats().dropped. */
  overflow?: "drop-newest" | "drop-oldest";
  /** Default 3 retries, 1 s base, 30 s max; full jitter; Retry-After honoured up to maxDelay. */
  retries?: number | { retries?: number; baseDelay?: number; maxDelay?: number };
  /** Ms for one request (default 10 000). */
  timeout?: number;
  /** Extra request headers (not sent with beacons, which cannot carry any). */
  headers?: Record<string, string>;
  fetch?: typeof fetch;
  /** Use navigator.sendBeacon on page hide (default true); else fetch with keepalive. */
  beacon?: boolean;
  /** Listen to visibilitychange/pagehide in browsers (default true). */
  flushOnHide?: boolean;
  /** Largest beacon body in bytes (default 60 000; browsers allow 64 KiB in flight). */
  maxBeaconBytes?: number;
  /** Workers: where background flushes are registered (see sendVia). */
  waitUntil?: WaitUntil;
  /** A batch failed for good (retries exhausted or a status that is not retried). */
  onError?: (error: Error, info: { events: number; attempts: number; status?: number }) => void;
  /** For the jitter (default Math.random). */
  random?: () => number;
}

export interface SenderStats {
  /** Events queued so far. */
  accepted: number;
  /** Delivered (2xx), or handed to sendBeacon. */
  sent: number;
  /** Dropped: queue full, sent after close, or close({flush: false}). */
  dropped: number;
  /** Retries exhausted, or refused (4xx other than 408/429). */
  failed: number;
  /** Fetches made. */
  requests: number;
  retries: number;
  /** sendBeacon calls accepted. */
  beacons: number;
  /** Waiting now. */
  queued: number;
  /** Being posted, or waiting for a retry. */
  inFlight: number;
}

export interface Sender {
  /** Queues one event (bound: pass `sender.send` as a callback). False when it was not queued. */
  send(event: unknown): boolean;
  /** Posts everything queued now; never rejects. With a worker ctx, the flush goes to ctx.waitUntil. */
  flush(ctx?: WaitUntil): Promise<void>;
  /** Workers: background flushes go to this ctx's waitUntil from now on (null stops). */
  sendVia(ctx: WaitUntil | null): this;
  /** Sends the queue (and a batch waiting for a retry) now by beacon, synchronously; returns the events handed over. */
  flushOnHide(): number;
  stats(): SenderStats;
  /** Stops timers and listeners, then flushes (or with {flush: false} drops) the queue. */
  close(options?: { flush?: boolean }): Promise<void>;
}

export declare function createSender(options: SenderOptions): Sender;
export declare const DEFAULT_BATCH_SIZE: number;
export declare const DEFAULT_FLUSH_INTERVAL: number;
export declare const DEFAULT_MAX_QUEUE: number;
export declare const DEFAULT_MAX_BEACON_BYTES: number;
