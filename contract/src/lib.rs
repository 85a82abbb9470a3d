//! The Guaranteed Node Buyback claim contract.
//!
//! [`rules`] holds the program's rules as pure functions over a state type,
//! independent of any runtime: claim window, one claim per license,
//! ownership, the IFX fund, payout amounts (integer arithmetic, rounding in
//! favour of the fund), 30-day linear vesting, and exclusion-root rotation
//! with a grace period. Proof verification is passed in by the caller (the
//! runtime layer calls `eligo-verifier`).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod rules;
