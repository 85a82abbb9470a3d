//! Messages and query answers of the claim contract (JSON, `cw_serde`).
//!
//! Roots are `0x` + 64 hex digits (as in `snapshot.json`); amounts are
//! `Uint128` strings in base units (IFX and wETH: 18 decimals; USDT: 6);
//! times are seconds since the Unix epoch.

use cosmwasm_schema::{cw_serde, QueryResponses};
use cosmwasm_std::{Binary, Uint128};
use cw20::Cw20ReceiveMsg;

/// The payout option of a claim.
#[cw_serde]
#[derive(Copy, Eq)]
pub enum PayoutOption {
    /// 100% of the purchase value in IFX, vested linearly over 30 days.
    Ifx,
    /// 80% of the purchase value in wETH, paid at once.
    Weth,
}

/// A participation threshold `num/den`.
#[cw_serde]
#[derive(Copy, Eq)]
pub struct ThresholdMsg {
    /// Numerator.
    pub num: u64,
    /// Denominator.
    pub den: u64,
}

/// Token prices, in USDT base units (6 decimals) per whole token.
#[cw_serde]
#[derive(Copy, Eq)]
pub struct PricesMsg {
    /// IFX/USDT.
    pub ifx: Uint128,
    /// ETH/USDT.
    pub eth: Uint128,
}

/// Instantiation. The circuit is fixed by `capacity` and `depth`; its
/// verifying key (`eligo params --export-vk`) and the IPA generators for
/// its `k` (`eligo params --export`) come as files, which the contract
/// decodes in full and checks against their pinned digests before storing
/// them. Nothing on chain builds a key.
#[cw_serde]
pub struct InstantiateMsg {
    /// Administrator (defaults to the sender).
    pub admin: Option<String>,
    /// Receives bought-back licenses.
    pub treasury: String,
    /// Program identifier (as in `snapshot.json`).
    pub program_id: String,
    /// Registry root from `snapshot.json`.
    pub registry_root: String,
    /// Exclusion root from `snapshot.json`.
    pub exclusion_root: String,
    /// Threshold from `snapshot.json` (667/1000 by default).
    pub threshold: Option<ThresholdMsg>,
    /// Log capacity from `snapshot.json`.
    pub capacity: u64,
    /// Tree depth from `snapshot.json`.
    pub depth: u32,
    /// Circuit fingerprint (`eligo params` prints it; proof files carry
    /// it). When given, the key must be that circuit's; required for a
    /// shape whose key digest is not pinned in the verifier.
    pub circuit_fingerprint: Option<String>,
    /// The verifying key, `eligo-vk/1` bytes.
    pub verifying_key: Binary,
    /// The canonical IPA generators for the circuit's `k`, `eligo-gens/1`
    /// bytes.
    pub generators: Binary,
    /// Token generation event time.
    pub tge: u64,
    /// Window opens at `tge + window_offset` (default 182 days).
    pub window_offset: Option<u64>,
    /// Window length (default 7 days).
    pub window_length: Option<u64>,
    /// How long a replaced exclusion root is still accepted (default 1 day).
    pub grace_period: Option<u64>,
    /// The cw721 contract of the node licenses (token id = license id in
    /// decimal).
    pub license_nft: String,
    /// The IFX cw20 token.
    pub ifx_token: String,
    /// The wETH cw20 token.
    pub weth_token: String,
    /// Most IFX the fund may hold (default 10,000,000 IFX).
    pub fund_size: Option<Uint128>,
    /// Initial prices.
    pub prices: PricesMsg,
}

/// Most claims one `claim_batch` takes.
pub const MAX_BATCH_CLAIMS: usize = 64;

/// One claim of a `claim_batch` (the fields of `claim`).
#[cw_serde]
pub struct ClaimItem {
    /// License.
    pub license_id: u64,
    /// Payout option.
    pub option: PayoutOption,
    /// Proof bytes (base64 in JSON).
    pub proof: Binary,
    /// Exclusion root of the proof, `0x` + 64 hex digits.
    pub exclusion_root: Option<String>,
    /// The least the claim may pay (IFX or wETH base units).
    pub min_amount: Option<Uint128>,
}

/// Actions.
#[cw_serde]
pub enum ExecuteMsg {
    /// Sell a license back. The sender must own license `license_id` on
    /// the license contract and have approved this contract for it (cw721
    /// `Approve` or `ApproveAll`). `proof` is the `proof` field of
    /// `eligo prove`'s output, made with `--chain-name` of this chain,
    /// `--contract` this contract, `--claimant` the sender and the same
    /// option. `exclusion_root` names the root the proof was made against
    /// (default: the current one). `min_amount` refuses the claim if prices
    /// moved so that it would pay less (default: no minimum).
    Claim {
        /// License.
        license_id: u64,
        /// Payout option.
        option: PayoutOption,
        /// Proof bytes (base64 in JSON).
        proof: Binary,
        /// Exclusion root of the proof, `0x` + 64 hex digits.
        exclusion_root: Option<String>,
        /// The least the claim may pay (IFX or wETH base units).
        min_amount: Option<Uint128>,
    },
    /// Sell several licenses back in one transaction, with one accumulated
    /// check over all their proofs. Each item is checked as a `claim`
    /// would be (in order, against the state the earlier items leave); if
    /// any check or any proof fails, nothing is claimed and the error
    /// names the first bad license.
    ClaimBatch {
        /// The claims, at most [`MAX_BATCH_CLAIMS`].
        claims: Vec<ClaimItem>,
    },
    /// Sends the sender every vested and not yet withdrawn IFX.
    WithdrawVested {},
    /// cw20 hook: IFX sent with `{"fund":{}}` fills the fund; wETH sent
    /// with `{"weth_reserve":{}}` fills the reserve.
    Receive(Cw20ReceiveMsg),
    /// Admin: purchase prices of licenses, in USDT base units.
    SetPurchasePrices {
        /// `(license_id, price)` pairs.
        prices: Vec<(u64, Uint128)>,
    },
    /// Admin: IFX/USDT and ETH/USDT prices.
    SetPrices {
        /// New prices.
        prices: PricesMsg,
    },
    /// Admin, once the window has closed: sends the IFX no vesting is owed
    /// and the wETH reserve to `recipient` (default: the treasury).
    Sweep {
        /// Where the leftovers go.
        recipient: Option<String>,
    },
    /// Admin: hands the admin role to another address.
    UpdateAdmin {
        /// The new admin.
        admin: String,
    },
    /// Admin: replaces the exclusion root (the blacklist grew). Proofs made
    /// against the old root stay valid for the grace period, never after.
    RotateExclusionRoot {
        /// New root, `0x` + 64 hex digits.
        root: String,
    },
}

/// What a cw20 `Send` to this contract may carry.
#[cw_serde]
pub enum ReceiveMsg {
    /// IFX into the buyback fund.
    Fund {},
    /// wETH into the payout reserve.
    WethReserve {},
}

/// Queries.
#[cw_serde]
#[derive(QueryResponses)]
pub enum QueryMsg {
    /// The configuration.
    #[returns(ConfigResponse)]
    Config {},
    /// Whether a license was claimed, and how.
    #[returns(ClaimStatusResponse)]
    ClaimStatus {
        /// License.
        license_id: u64,
    },
    /// The IFX vesting of an address.
    #[returns(VestingResponse)]
    Vesting {
        /// Beneficiary.
        address: String,
    },
    /// The fund and the reserve.
    #[returns(FundResponse)]
    Fund {},
    /// The current exclusion root and the replaced ones still in their
    /// grace period.
    #[returns(ExclusionRootsResponse)]
    ExclusionRoots {},
    /// What a claim of this license would pay now, at current prices, and
    /// whether it could be paid.
    #[returns(QuoteResponse)]
    Quote {
        /// License.
        license_id: u64,
        /// Option.
        option: PayoutOption,
    },
}

/// Answer to [`QueryMsg::Config`].
#[cw_serde]
pub struct ConfigResponse {
    /// Administrator.
    pub admin: String,
    /// Treasury.
    pub treasury: String,
    /// Program identifier.
    pub program_id: String,
    /// Registry root.
    pub registry_root: String,
    /// Threshold.
    pub threshold: ThresholdMsg,
    /// Log capacity.
    pub capacity: u64,
    /// Tree depth.
    pub depth: u32,
    /// Circuit size parameter.
    pub k: u32,
    /// Circuit fingerprint.
    pub circuit_fingerprint: String,
    /// The numeric chain id proofs must be bound to (`--chain-name`).
    pub proof_chain_id: u64,
    /// Window `[open, close)`.
    pub window: (u64, u64),
    /// Grace period of replaced exclusion roots.
    pub grace_period: u64,
    /// License contract.
    pub license_nft: String,
    /// IFX token.
    pub ifx_token: String,
    /// wETH token.
    pub weth_token: String,
    /// Current prices.
    pub prices: PricesMsg,
}

/// A recorded claim.
#[cw_serde]
pub struct ClaimRecord {
    /// Who claimed.
    pub claimant: String,
    /// Option.
    pub option: PayoutOption,
    /// Amount (IFX or wETH base units).
    pub amount: Uint128,
    /// Block time of the claim.
    pub time: u64,
}

/// Answer to [`QueryMsg::ClaimStatus`].
#[cw_serde]
pub struct ClaimStatusResponse {
    /// License.
    pub license_id: u64,
    /// The claim, if any.
    pub claim: Option<ClaimRecord>,
}

/// One vesting schedule.
#[cw_serde]
pub struct ScheduleResponse {
    /// License it came from.
    pub license_id: u64,
    /// Total IFX.
    pub total: Uint128,
    /// Start time.
    pub start: u64,
    /// Vested now.
    pub vested: Uint128,
    /// Withdrawn.
    pub withdrawn: Uint128,
}

/// Answer to [`QueryMsg::Vesting`].
#[cw_serde]
pub struct VestingResponse {
    /// Sum of the schedules' totals.
    pub total: Uint128,
    /// Vested now.
    pub vested: Uint128,
    /// Withdrawn.
    pub withdrawn: Uint128,
    /// Withdrawable now.
    pub claimable: Uint128,
    /// The schedules.
    pub schedules: Vec<ScheduleResponse>,
}

/// Answer to [`QueryMsg::Fund`].
#[cw_serde]
pub struct FundResponse {
    /// Most IFX the fund may hold.
    pub size: Uint128,
    /// IFX deposited.
    pub deposited: Uint128,
    /// IFX promised to claims.
    pub committed: Uint128,
    /// IFX still available for claims.
    pub remaining: Uint128,
    /// wETH available for claims.
    pub weth_reserve: Uint128,
}

/// A replaced exclusion root.
#[cw_serde]
pub struct ReplacedRootResponse {
    /// The root.
    pub root: String,
    /// When it was replaced.
    pub replaced_at: u64,
    /// Proofs against it are accepted before this time.
    pub accepted_until: u64,
}

/// Answer to [`QueryMsg::ExclusionRoots`].
#[cw_serde]
pub struct ExclusionRootsResponse {
    /// The current root.
    pub current: String,
    /// Replaced roots still accepted.
    pub previous: Vec<ReplacedRootResponse>,
}

/// Answer to [`QueryMsg::Quote`].
#[cw_serde]
pub struct QuoteResponse {
    /// Purchase price in USDT base units.
    pub purchase_usdt: Uint128,
    /// What the option pays (IFX or wETH base units).
    pub amount: Uint128,
    /// The license was already claimed.
    pub claimed: bool,
    /// The fund (IFX) or the reserve (wETH) covers the amount now.
    pub covered: bool,
}
