// The full result of one flag read (Engine#details, the client's), as the public API describes it
// (types/engine.d.ts: EvaluationDetails): one place for its fields and their order. Internal (engine.js, client.js).

/** A result with every field given. */
export function details(flagKey, value, variant, reason, ruleId, ruleIndex, errorCode, errorMessage, prerequisite, metadata) {
  return { flagKey, value, variant, reason, ruleId, ruleIndex, errorCode, errorMessage, prerequisite, metadata };
}

/** An error result: the fallback as its value, reason ERROR. */
export function errorDetails(flagKey, fallback, errorCode, errorMessage, metadata) {
  return details(flagKey, fallback, null, "ERROR", null, null, errorCode, errorMessage, null, metadata);
}
