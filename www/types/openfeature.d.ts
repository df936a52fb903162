// Types of the OpenFeature providers: `edgeflag/openfeature/web` and `edgeflag/openfeature/server`
// (www/src/openfeature/). Only `@openfeature/core` types are used here (a dependency of both SDKs), so
// either SDK alone is enough.

import type {
  ClientProviderEvents, EvaluationContext as OFEvaluationContext, JsonValue as OFJsonValue, Logger,
  ProviderEventEmitter, ResolutionDetails, ServerProviderEvents,
} from "@openfeature/core";
import type { Client } from "./client.js";
import type { EvaluationContext, EvaluationDetails } from "./engine.js";

export interface ProviderOptions {
  /** `onClose` (OpenFeature.close(), or a provider replaced) closes the client (default true). */
  closeClient?: boolean;
  /** Ms `initialize` waits for a snapshot before it fails (the SDK then reports ERROR; the client keeps trying). */
  readyTimeout?: number;
}

/**
 * The OpenFeature web provider (static context). Events: READY (the SDK's, when initialize resolves; the
 * provider's after a failed start or a recovery), CONFIGURATION_CHANGED (flagsChanged when known), STALE,
 * ERROR (no snapshot). Reasons: STATIC, DEFAULT, TARGETING_MATCH, SPLIT, DISABLED, ERROR and the custom
 * PREREQUISITE_FAILED. flagMetadata: the flag's metadata + ruleId, ruleIndex, prerequisite, snapshotVersion.
 */
export declare class EdgeflagWebProvider {
  constructor(client: Client, options?: ProviderOptions);
  readonly metadata: { readonly name: "edgeflag" };
  readonly runsOn: "client";
  readonly domainScoped: true;
  readonly events: ProviderEventEmitter<ClientProviderEvents>;
  readonly hooks: [];
  /** The edgeflag client behind the provider. */
  readonly client: Client;
  initialize(context?: OFEvaluationContext): Promise<void>;
  onContextChange(oldContext: OFEvaluationContext, newContext: OFEvaluationContext): void;
  onClose(): Promise<void>;
  resolveBooleanEvaluation(flagKey: string, defaultValue: boolean, context: OFEvaluationContext, logger?: Logger): ResolutionDetails<boolean>;
  resolveStringEvaluation(flagKey: string, defaultValue: string, context: OFEvaluationContext, logger?: Logger): ResolutionDetails<string>;
  resolveNumberEvaluation(flagKey: string, defaultValue: number, context: OFEvaluationContext, logger?: Logger): ResolutionDetails<number>;
  resolveObjectEvaluation<T extends OFJsonValue>(flagKey: string, defaultValue: T, context: OFEvaluationContext, logger?: Logger): ResolutionDetails<T>;
}

/** The OpenFeature server provider (a context per evaluation; `targetingKey` → `key`). Same mapping as the web one. */
export declare class EdgeflagServerProvider {
  constructor(client: Client, options?: ProviderOptions);
  readonly metadata: { readonly name: "edgeflag" };
  readonly runsOn: "server";
  readonly events: ProviderEventEmitter<ServerProviderEvents>;
  readonly hooks: [];
  readonly client: Client;
  initialize(context?: OFEvaluationContext): Promise<void>;
  onClose(): Promise<void>;
  resolveBooleanEvaluation(flagKey: string, defaultValue: boolean, context: OFEvaluationContext, logger?: Logger): Promise<ResolutionDetails<boolean>>;
  resolveStringEvaluation(flagKey: string, defaultValue: string, context: OFEvaluationContext, logger?: Logger): Promise<ResolutionDetails<string>>;
  resolveNumberEvaluation(flagKey: string, defaultValue: number, context: OFEvaluationContext, logger?: Logger): Promise<ResolutionDetails<number>>;
  resolveObjectEvaluation<T extends OFJsonValue>(flagKey: string, defaultValue: T, context: OFEvaluationContext, logger?: Logger): Promise<ResolutionDetails<T>>;
}

/** An OpenFeature context as an edgeflag context: `targetingKey` becomes `key` (and wins over it). */
export declare function toEdgeflagContext(context: OFEvaluationContext | undefined): EvaluationContext;
/** An edgeflag result as OpenFeature ResolutionDetails (see EdgeflagWebProvider). */
export declare function toResolution<T>(details: EvaluationDetails<T>, version: number | null): ResolutionDetails<T>;
