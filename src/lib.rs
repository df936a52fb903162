//! # edgeflag
//!
//! Feature flags evaluated where the user is. A *snapshot* (one JSON document holding every flag of
//! an environment, format in `docs/snapshot-format.md`) is published to a CDN and evaluated locally —
//! in browsers and edge workers through WebAssembly, or natively through this crate.
//!
//! ```
//! use edgeflag::{Context, Engine};
//! let engine = Engine::from_json(r#"{"schema":1,"version":1,"flags":{
//!   "banner":{"variants":{"on":true,"off":false},"default":"off",
//!             "rules":[{"serve":{"variant":"on","percent":50}}]}}}"#).unwrap();
//! let d = engine.boolean("banner", &Context::new("user-7"), false, 0);
//! println!("banner: {} ({})", d.value, d.details.reason);
//! ```
//!
//! Layers, one way: [`snapshot`] (model) → [`validate`] → plan (compiled) → [`eval`](crate::eval)
//! → [`explain`], over leaf modules ([`json`], [`number`], [`semver`], [`time`], [`cidr`], [`bucket`],
//! [`context`], [`condition`], [`error`], [`reason`]). The wasm bindings (`wasm` module, wasm32 only)
//! and the CLI sit on the public API. See `docs/ARCHITECTURE.md`.

#![deny(unsafe_code)]
#![warn(missing_docs)]
// Problem reports pass their path as `&Path` everywhere, though `Path` by value is also a `Where`: one
// instantiation of `Problems::error`/`warning` for each, not two (dropping the borrows, as clippy asks, cost the
// runtime .wasm 35 B gzip).
#![allow(clippy::needless_borrows_for_generic_args)]
// The size-optimised wasm build (scripts/build-wasm.sh, std rebuilt under RUSTC_BOOTSTRAP) sets
// `--cfg edgeflag_unstable`: there the few hot functions that carry
// `#[cfg_attr(edgeflag_unstable, optimize(speed))]` are optimised for speed while the rest stays at
// opt-level z. Every other build ignores the attribute (native builds are optimised for speed anyway).
#![cfg_attr(edgeflag_unstable, feature(optimize_attribute))]
// The speed build of the runtime (the Node entries' `.wasm`, opt-level 3: scripts/build-wasm.sh) sets
// `--cfg edgeflag_speed`: there opt-level 3 would inline the parts of a few functions into one long
// function, which V8 recompiles with its optimising compiler as a whole once its hot part has run enough,
// and the parts that run per flag, per rule or per condition, or the loop of a function run once per
// load, are kept out of line with `#[cfg_attr(edgeflag_speed, inline(never))]`, so that what V8 recompiles
// is what is hot, in short functions (about 45 % less of its compile time over a process's first 30 S3
// loads; docs/ARCHITECTURE.md, "Two builds of the runtime"); and the direct reader reads a common condition's
// operand array straight into its compiled words (`plan::direct`; natively too). The size build keeps its own
// inlining and reads operands as values: its `.wasm` is byte for byte what it is without the cfg. The direct
// reader itself (`plan::direct`: a usual flag read from the text straight into the plan) is in the speed build
// and natively, where loads are what is measured, and not in the size build, which browsers download: there
// every flag is read into its model and compiled from it (2,124 B of gzip less; `plan::direct`'s docs).
// The diagnostics module's build (feature `diagnose`, wasm32 without src/wasm.rs) leaves the chunked loader and the
// other parts only the bindings call unused.
#![cfg_attr(all(target_arch = "wasm32", feature = "diagnose"), allow(dead_code))]

pub mod bucket;
mod bytes;
pub mod cidr;
pub mod condition;
pub mod context;
mod engine;
pub mod error;
mod eval;
pub mod explain;
mod host;
// The wasm build's allocator (its tests run natively, over a buffer).
#[cfg(any(test, all(target_arch = "wasm32", not(target_feature = "atomics"))))]
#[allow(unsafe_code)]
mod heap;
pub mod json;
#[cfg(not(target_arch = "wasm32"))]
mod keys;
pub mod limits;
mod message;
pub mod number;
mod plan;
pub mod reason;
mod rare;
mod regex;
pub mod semver;
pub mod set;
pub mod snapshot;
mod split;
mod substring;
pub mod time;
pub mod validate;
#[cfg(all(target_arch = "wasm32", not(feature = "diagnose")))]
mod wasm;

/// Whether a load leaves out of the functions it calls the paths a usual snapshot never takes (its root
/// members but `schema`, `version` and `flags`; prerequisites; a large or new block of the allocator, …):
/// a cold start's wasm is compiled by V8 function by function on each function's first call, and
/// recompiled by its optimising compiler, on background threads that take the load's cores, once hot, in
/// time that grows with the function's length (docs/ARCHITECTURE.md, "Cold start"). True in the speed
/// build (Node, Deno, Bun, `edgeflag/server.wasm`) and natively (where the tests run those paths); false in
/// the size build, which keeps its bytes (its `.wasm` is byte for byte what it is without this).
pub(crate) const LEAN_LOAD: bool = cfg!(any(edgeflag_speed, not(target_arch = "wasm32")));

/// The README's Rust examples, compiled and run as doc tests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

#[cfg(any(not(target_arch = "wasm32"), feature = "context"))]
pub use context::{Context, ContextError};
pub use context::{Attr, Attributes, EncodedContext};
pub use engine::{errors_only, Engine, Evaluation, LoadOptions, Typed};
pub use error::{LoadError, Problem, Severity};
pub use eval::{RuleStep, Via, MAX_NESTING};
pub use explain::Trace;
pub use limits::Limits;
pub use reason::{ErrorCode, Reason};
pub use validate::ValueKind;

/// The wasm build's allocator: our own (`heap`), smaller than talc and std's dlmalloc, for single-threaded
/// WebAssembly (wasm32 without the atomics feature): docs/wasm-size.md.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: heap::Global = heap::Global::new();
