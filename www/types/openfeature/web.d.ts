// `edgeflag/openfeature/web`: the provider for @openfeature/web-sdk.
export { EdgeflagWebProvider, toEdgeflagContext, toResolution } from "../openfeature.js";
export type { ProviderOptions } from "../openfeature.js";
