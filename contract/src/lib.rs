//! The Guaranteed Node Buyback claim contract (CosmWasm).
//!
//! [`rules`] holds the program's rules as pure functions, independent of
//! any runtime: claim window, one claim per license (the license id is the
//! nullifier), ownership, the IFX fund and the wETH reserve, payout amounts
//! (integer arithmetic, rounding in favour of the fund), 30-day linear
//! vesting, and exclusion-root rotation with a grace period.
//!
//! The CosmWasm layer is thin: [`contract`] loads state ([`state`]), calls
//! the rules, verifies the proof with `eligo-verifier` against an instance
//! it builds itself ([`proof`]: the claim context comes from this chain,
//! this contract, the sender and the option, never from the message), and
//! stores the outcome. Licenses are cw721 tokens; IFX and wETH are cw20.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod contract;
pub mod error;
pub mod msg;
pub mod proof;
pub mod rules;
pub mod state;

pub use error::ContractError;
