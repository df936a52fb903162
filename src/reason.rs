//! Why an evaluation returned what it did: [`Reason`] and [`ErrorCode`], named as in OpenFeature.

use core::fmt;

/// The reason of an evaluation result. Names follow OpenFeature, plus `PREREQUISITE_FAILED`.
///
/// The numeric codes ([`Reason::code`]) are part of the wasm ABI (packed results) and never change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reason {
    /// The flag has no rules: its `default` is served to everyone.
    Static,
    /// The flag has rules but none applied: its `default` is served.
    Default,
    /// A rule whose `serve` is a variant key applied.
    TargetingMatch,
    /// A `split`, `percent` or `ramp` rule applied and put the unit in a bucket.
    Split,
    /// The flag is switched off (`enabled: false`): its `offVariant` is served.
    Disabled,
    /// A prerequisite did not evaluate to one of its listed variants: `offVariant` is served.
    PrerequisiteFailed,
    /// The evaluation failed; see the [`ErrorCode`]. The caller's default is returned.
    Error,
}

impl Reason {
    /// All reasons, in code order.
    pub const ALL: [Reason; 7] = [
        Reason::Static,
        Reason::Default,
        Reason::TargetingMatch,
        Reason::Split,
        Reason::Disabled,
        Reason::PrerequisiteFailed,
        Reason::Error,
    ];

    /// The OpenFeature name, e.g. `"TARGETING_MATCH"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Static => "STATIC",
            Reason::Default => "DEFAULT",
            Reason::TargetingMatch => "TARGETING_MATCH",
            Reason::Split => "SPLIT",
            Reason::Disabled => "DISABLED",
            Reason::PrerequisiteFailed => "PREREQUISITE_FAILED",
            Reason::Error => "ERROR",
        }
    }

    /// The stable numeric code used in packed wasm results (0–6).
    pub fn code(self) -> u32 {
        match self {
            Reason::Static => 0,
            Reason::Default => 1,
            Reason::TargetingMatch => 2,
            Reason::Split => 3,
            Reason::Disabled => 4,
            Reason::PrerequisiteFailed => 5,
            Reason::Error => 6,
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why an evaluation failed. Names follow OpenFeature.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// The snapshot has no flag with that key.
    FlagNotFound,
    /// A typed read asked for a type the flag's variants do not have.
    TypeMismatch,
    /// Something could not be parsed (used by clients for bad snapshot bytes).
    ParseError,
    /// The evaluation context was malformed (e.g. a corrupt encoded context from JS).
    InvalidContext,
    /// No snapshot is loaded yet (clients only).
    ProviderNotReady,
    /// Anything else.
    General,
}

impl ErrorCode {
    /// The OpenFeature name, e.g. `"FLAG_NOT_FOUND"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::FlagNotFound => "FLAG_NOT_FOUND",
            ErrorCode::TypeMismatch => "TYPE_MISMATCH",
            ErrorCode::ParseError => "PARSE_ERROR",
            ErrorCode::InvalidContext => "INVALID_CONTEXT",
            ErrorCode::ProviderNotReady => "PROVIDER_NOT_READY",
            ErrorCode::General => "GENERAL",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_dense_and_stable() {
        for (i, r) in Reason::ALL.iter().enumerate() {
            assert_eq!(r.code() as usize, i);
        }
        assert_eq!(Reason::PrerequisiteFailed.as_str(), "PREREQUISITE_FAILED");
        assert_eq!(ErrorCode::TypeMismatch.to_string(), "TYPE_MISMATCH");
    }
}
