// `edgeflag/openfeature/server`: the provider for @openfeature/server-sdk.
export { EdgeflagServerProvider, toEdgeflagContext, toResolution } from "../openfeature.js";
export type { ProviderOptions } from "../openfeature.js";
