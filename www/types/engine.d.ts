// edgeflag — the low-level engine: one loaded snapshot, evaluated in WebAssembly.

/** What `initWasm` accepts: nothing (the .wasm beside the JS: fetched in browsers, read from disk in
 * Node, Deno and Bun), a URL, a Response (or a promise of one), the bytes, or a compiled module (in
 * Cloudflare Workers: `import wasm from "edgeflag/edgeflag.wasm"`). */
export type WasmInput =
  | undefined
  | URL
  | string
  | Response
  | BufferSource
  | WebAssembly.Module
  | PromiseLike<Response | BufferSource | WebAssembly.Module>;

/** Loads and instantiates the WebAssembly module, once; later calls resolve at once. */
export function initWasm(input?: WasmInput): Promise<void>;
/** Instantiates synchronously from bytes or a compiled module (Node, Deno, Bun: no argument reads the
 * .wasm beside the JS). Browsers compile only small modules synchronously on the main thread: pass a
 * `WebAssembly.Module` there. */
export function initWasmSync(moduleOrBytes?: BufferSource | WebAssembly.Module): void;
/** Whether the module is instantiated. */
export function wasmReady(): boolean;
/** Loads the operators module, first named the regular-expression module (pkg/edgeflag_regex.wasm: regex-lite
 * for `matches`, the version and CIDR parsers for `semver_*` and `in_cidr`), once: needed before
 * `Engine.fromJSON` of a snapshot that uses one of these operators in browsers and workers (the client loads it
 * by itself; Node, Deno and Bun read it from disk when first needed). Without it such a snapshot is refused with
 * a problem that says so. In Cloudflare Workers pass `import regex from "edgeflag/regex.wasm"` (or
 * "edgeflag/operators.wasm": the same file). */
export function initRegex(input?: WasmInput): Promise<void>;
/** Loads the operators (regular-expression) module synchronously from bytes or a compiled module (Node, Deno, Bun: no
 * argument reads it from disk). The browser bundle fetches the module's JS on demand: there it throws until
 * `initRegex()` has loaded the module (`await initRegex(module)` takes the same argument). */
export function initRegexSync(moduleOrBytes?: BufferSource | WebAssembly.Module): void;
/** Whether the operators (regular-expression) module is loaded. */
export function regexReady(): boolean;
/** Whether a snapshot text may use `matches`, `semver_*` or `in_cidr` (it holds `"matches"`, `"semver_`,
 * `"in_cidr"` or a `\u` escape), so that `initRegex()` must be awaited before `Engine.fromJSON(text)` in browsers
 * and workers. Never false for a text that uses one. */
export function mayUseRegex(text: string): boolean;
/** Loads the diagnostics module (pkg/edgeflag_diagnostics.wasm), once: the runtime reports a refused snapshot's
 * problems with their JSON paths but a fixed text for each message; with this module loaded, `Engine.fromJSON`
 * throws them with their messages (exactly what native edgeflag reports). The client loads it by itself on a
 * refusal; Node, Deno and Bun read it from disk when first needed. In Cloudflare Workers pass
 * `import diagnostics from "edgeflag/diagnostics.wasm"`. */
export function initDiagnostics(input?: WasmInput): Promise<void>;
/** Loads the diagnostics module synchronously from bytes or a compiled module (Node, Deno, Bun: no argument
 * reads it from disk). The browser bundle fetches the module's JS on demand: there it throws until
 * `initDiagnostics()` has loaded the module (`await initDiagnostics(module)` takes the same argument). */
export function initDiagnosticsSync(moduleOrBytes?: BufferSource | WebAssembly.Module): void;
/** Whether the diagnostics module is loaded. */
export function diagnosticsReady(): boolean;
/** The bucket (0..99999) of `unit` under `salt` (spec section 5). */
export function bucket(salt: string, unit: string | number): number;

/** A JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
/** Flag and snapshot metadata: strings, numbers and booleans. */
export type Metadata = Readonly<Record<string, string | number | boolean>>;

/** The evaluation context: `key` is the targeting key; other attributes are read by dot path.
 * Read as `JSON.parse(JSON.stringify(ctx))` would read it (Dates become RFC 3339 strings). */
export interface EvaluationContext {
  key?: string | number;
  [attribute: string]: unknown;
}

/** Evaluation time: milliseconds since the epoch, or a Date. Default: the system clock (read only for
 * flags whose result depends on time). */
export type Now = number | Date;

export type FlagType = "boolean" | "string" | "number" | "json";
export type Reason = "STATIC" | "DEFAULT" | "TARGETING_MATCH" | "SPLIT" | "DISABLED" | "PREREQUISITE_FAILED" | "ERROR";
export type ErrorCode =
  | "FLAG_NOT_FOUND"
  | "TYPE_MISMATCH"
  | "PARSE_ERROR"
  | "INVALID_CONTEXT"
  | "PROVIDER_NOT_READY"
  | "GENERAL";

/** The full result of one evaluation. */
export interface EvaluationDetails<T = JsonValue> {
  flagKey: string;
  /** The variant's value, or the caller's fallback on error. Json values are deep-frozen and shared. */
  value: T;
  /** The variant key; null on error. */
  variant: string | null;
  reason: Reason;
  /** The id of the rule that applied (null when it has none, or no rule applied). */
  ruleId: string | null;
  /** The position of the rule that applied in the flag's `rules`. */
  ruleIndex: number | null;
  errorCode: ErrorCode | null;
  errorMessage: string | null;
  /** For PREREQUISITE_FAILED: the prerequisite flag that failed. */
  prerequisite: string | null;
  /** The flag's metadata (frozen; `{}` when none or the flag is unknown). */
  metadata: Metadata;
}

export interface DetailsOptions {
  /** Make it a typed read: TYPE_MISMATCH when the flag's variants hold another type. */
  type?: FlagType;
  now?: Now;
}

/** One problem of a snapshot: its JSON path (`flags.a.rules[2].when.op`, `(root)`) and what is wrong. */
export interface SnapshotProblem {
  path: string;
  message: string;
}

/** A snapshot that cannot be loaded, with every problem. */
export class SnapshotError extends Error {
  readonly name: "SnapshotError";
  readonly problems: SnapshotProblem[];
}

/** One loaded snapshot. */
/** Load limits (spec section 8); unset ones keep their defaults. */
export interface Limits {
  /** Largest JSON text in bytes (16 MiB). */
  maxBytes?: number;
  /** Deepest condition nesting (32). */
  maxConditionDepth?: number;
  /** Longest prerequisite chain in edges (16). */
  maxPrerequisiteDepth?: number;
  /** Longest regular expression in bytes (1024). */
  maxRegexBytes?: number;
  /** Deepest JSON nesting (128). */
  maxJsonDepth?: number;
  /** Compiled size of all regular expressions together, in bytes (1 MiB); see docs/security.md. */
  maxRegexTotalBytes?: number;
  /** Longest chain of segments referring to segments (16; at most 63). */
  maxSegmentDepth?: number;
  /** Most evaluation steps for evaluating every flag once (2,000,000); see docs/security.md. */
  maxEvaluationSteps?: number;
}

export class Engine {
  private constructor();
  /** Validates and loads a snapshot (JSON text, its UTF-8 bytes, or an object to serialize). Throws
   * SnapshotError listing every problem. `opts.now` (default: the clock) judges `expires` for `warnings`. */
  static fromJSON(text: string | BufferSource | object, opts?: { now?: Now; limits?: Limits }): Engine;

  readonly schema: number;
  readonly version: number;
  readonly environment: string | null;
  readonly publishedAt: string | null;
  readonly metadata: Metadata;
  /** Non-fatal findings (e.g. a flag past its `expires` date). */
  readonly warnings: readonly SnapshotProblem[];
  /** Flag keys in snapshot order. */
  flagKeys(): string[];
  /** The type of a flag's variants, or undefined for an unknown key. */
  flagType(key: string): FlagType | undefined;

  /** Typed reads: the variant's value, or `fallback` on any error. Never throw. */
  boolean<F = boolean>(key: string, fallback: F, ctx?: EvaluationContext, now?: Now): boolean | F;
  string<F = string>(key: string, fallback: F, ctx?: EvaluationContext, now?: Now): string | F;
  number<F = number>(key: string, fallback: F, ctx?: EvaluationContext, now?: Now): number | F;
  /** The value is deep-frozen and shared by every read: copy it to change it. */
  json<T = JsonValue, F = T>(key: string, fallback: F, ctx?: EvaluationContext, now?: Now): Readonly<T> | F;

  /** The full result. Never throws. */
  details<F = JsonValue>(key: string, fallback: F, ctx?: EvaluationContext, opts?: DetailsOptions): EvaluationDetails<JsonValue | F>;
  /** Details of every flag for one context, keyed by flag key (errors have value null). */
  all(ctx?: EvaluationContext, now?: Now): Record<string, EvaluationDetails<JsonValue | null>>;
  /** A bound evaluator: the context is encoded once, now; results that do not depend on time are remembered. */
  bind(ctx?: EvaluationContext): BoundEvaluator;
  /**
   * The evaluation trace of one flag, or null for an unknown flag. Needs the devtools build of the
   * WebAssembly module (`import { Engine } from "edgeflag/devtools"`, or `edgeflag/devtools.wasm` passed to
   * initWasm); with the runtime build (`edgeflag`) it throws an Error saying so.
   */
  explain(key: string, ctx?: EvaluationContext, now?: Now): Record<string, unknown> | null;
  /** Releases the wasm memory; later reads give their fallback (details: PROVIDER_NOT_READY). */
  free(): void;
}

/** Reads for one context (from `Engine#bind`). */
export class BoundEvaluator {
  private constructor();
  boolean<F = boolean>(key: string, fallback: F, now?: Now): boolean | F;
  string<F = string>(key: string, fallback: F, now?: Now): string | F;
  number<F = number>(key: string, fallback: F, now?: Now): number | F;
  json<T = JsonValue, F = T>(key: string, fallback: F, now?: Now): Readonly<T> | F;
  details<F = JsonValue>(key: string, fallback: F, opts?: DetailsOptions): EvaluationDetails<JsonValue | F>;
  all(now?: Now): Record<string, EvaluationDetails<JsonValue | null>>;
  /** Releases the bound context's wasm buffer. */
  free(): void;
}
