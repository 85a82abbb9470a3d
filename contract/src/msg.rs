//! Messages and query answers of the claim contract (JSON, `cw_serde`).
//!
//! Roots are `0x` + 64 hex digits (as in `snapshot.json`); amounts are
//! `Uint128` strings in base units (IFX and wETH: their tokens' decimals,
//! read from the tokens at instantiation; USDT: 6); times are seconds since
//! the Unix epoch.

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

/// The payout terms, as a deployer may restate them: any value other than
/// the program's (100% in IFX vested over 30 days, or 80% in wETH at
/// once) refuses the instantiation.
#[cw_serde]
#[derive(Copy, Eq)]
pub struct PayoutTermsMsg {
    /// Percent of the purchase value paid in IFX (100).
    pub ifx_percent: u32,
    /// Vesting period of the IFX payout, seconds (30 days).
    pub ifx_vesting_seconds: u64,
    /// Percent of the purchase value paid in wETH (80).
    pub weth_percent: u32,
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
    /// Threshold from `snapshot.json` (667/1000 by default). Proofs show
    /// participation strictly over it; it may not be below 667/1000.
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
    /// Token generation event time. The window opens six calendar months
    /// later (same UTC day and time, clamped to the month's end) and lasts
    /// 7 days; an instantiation after that window is refused.
    pub tge: u64,
    /// How long a replaced exclusion root is still accepted (default and
    /// most: 1 day).
    pub grace_period: Option<u64>,
    /// Claims refuse IFX/USDT and ETH/USDT prices older than this, seconds
    /// (default 3,600; 60 to 86,400).
    pub price_max_age: Option<u64>,
    /// The cw721 contract of the node licenses (token id = license id in
    /// decimal).
    pub license_nft: String,
    /// The IFX cw20 token.
    pub ifx_token: String,
    /// The wETH cw20 token.
    pub weth_token: String,
    /// Most IFX the fund may hold: if given, it must be 10,000,000 IFX in
    /// the token's base units.
    pub fund_size: Option<Uint128>,
    /// The payout terms, if the deployer restates them (they must be the
    /// program's).
    pub payout: Option<PayoutTermsMsg>,
    /// Initial prices (read at the instantiation's block time).
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
    /// The least this claim may pay (IFX or wETH base units; positive):
    /// the `quote` query's `amount` protects against any price change.
    pub min_amount: Uint128,
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
    /// (default: the current one). `min_amount` (required, positive)
    /// refuses the claim if prices moved so that it would pay less.
    Claim {
        /// License.
        license_id: u64,
        /// Payout option.
        option: PayoutOption,
        /// Proof bytes (base64 in JSON).
        proof: Binary,
        /// Exclusion root of the proof, `0x` + 64 hex digits.
        exclusion_root: Option<String>,
        /// The least the claim may pay (IFX or wETH base units; positive).
        min_amount: Uint128,
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
    /// Sends the sender the vested and not yet withdrawn IFX of a page of
    /// their schedules (by license id, after `start_after`, at most
    /// `limit`, default and most 30). Never paused.
    WithdrawVested {
        /// Start after this license id.
        start_after: Option<u64>,
        /// Most schedules to walk.
        limit: Option<u32>,
    },
    /// cw20 hook: IFX sent with `{"fund":{}}` fills the fund; wETH sent
    /// with `{"weth_reserve":{}}` fills the reserve.
    Receive(Cw20ReceiveMsg),
    /// Admin, before the window opens: purchase prices of licenses, in
    /// USDT base units. Frozen once the window is open.
    SetPurchasePrices {
        /// `(license_id, price)` pairs.
        prices: Vec<(u64, Uint128)>,
    },
    /// Admin: IFX/USDT and ETH/USDT prices, read at `as_of` (default: the
    /// block time; never in the future, never older than the current
    /// ones). Claims refuse prices older than `price_max_age`.
    SetPrices {
        /// New prices.
        prices: PricesMsg,
        /// When they were read.
        as_of: Option<u64>,
    },
    /// Admin, once the window has closed: sends to `recipient` (default:
    /// the treasury) all the contract's IFX but what vesting still owes
    /// (IFX sent by a plain transfer included) and all its wETH.
    Sweep {
        /// Where the leftovers go.
        recipient: Option<String>,
    },
    /// Admin: offers the admin role to another address (replacing any
    /// earlier offer; offering it to the admin itself withdraws it).
    ProposeAdmin {
        /// The proposed admin.
        admin: String,
    },
    /// The proposed admin takes the role.
    AcceptAdmin {},
    /// Admin: stops claims (vesting withdrawals go on).
    Pause {},
    /// Admin: lets claims resume.
    Unpause {},
    /// Admin: moves the window's close later (never earlier), at most 30
    /// days past the program's close, and not after a sweep.
    ExtendWindow {
        /// The new close.
        close: u64,
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
    /// The IFX vesting of an address: a page of its schedules (by license
    /// id, after `start_after`, at most `limit`, default and most 30).
    #[returns(VestingResponse)]
    Vesting {
        /// Beneficiary.
        address: String,
        /// Start after this license id.
        start_after: Option<u64>,
        /// Most schedules.
        limit: Option<u32>,
    },
    /// The fund and the reserve.
    #[returns(FundResponse)]
    Fund {},
    /// The current exclusion root and the replaced ones still in their
    /// grace period.
    #[returns(ExclusionRootsResponse)]
    ExclusionRoots {},
    /// What a claim of this license would pay now (exactly: the claim's own
    /// computation), and why a claim now would be refused whoever makes
    /// it, if it would.
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
    /// TGE time.
    pub tge: u64,
    /// Grace period of replaced exclusion roots.
    pub grace_period: u64,
    /// Claims refuse prices older than this.
    pub price_max_age: u64,
    /// Claims are paused.
    pub paused: bool,
    /// The proposed admin, until they accept.
    pub pending_admin: Option<String>,
    /// Decimals of IFX, read from the token.
    pub ifx_decimals: u8,
    /// Decimals of wETH, read from the token.
    pub weth_decimals: u8,
    /// License contract.
    pub license_nft: String,
    /// IFX token.
    pub ifx_token: String,
    /// wETH token.
    pub weth_token: String,
    /// Current prices.
    pub prices: PricesMsg,
    /// When they were read.
    pub prices_as_of: u64,
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

/// Answer to [`QueryMsg::Vesting`]: one page of schedules and their sums.
#[cw_serde]
pub struct VestingResponse {
    /// Sum of this page's totals.
    pub total: Uint128,
    /// Vested now, over this page.
    pub vested: Uint128,
    /// Withdrawn, over this page.
    pub withdrawn: Uint128,
    /// Withdrawable now, over this page.
    pub claimable: Uint128,
    /// The page's schedules.
    pub schedules: Vec<ScheduleResponse>,
    /// Pass as `start_after` for the next page; `None` on the last.
    pub next_start_after: Option<u64>,
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
    /// License.
    pub license_id: u64,
    /// Option.
    pub option: PayoutOption,
    /// Purchase price in USDT base units.
    pub purchase_usdt: Uint128,
    /// What a claim now pays (IFX or wETH base units): use it as the
    /// claim's `min_amount`.
    pub amount: Uint128,
    /// The prices it used.
    pub prices: PricesMsg,
    /// When they were read.
    pub prices_as_of: u64,
    /// The license was already claimed.
    pub claimed: bool,
    /// The fund (IFX) or the reserve (wETH) covers the amount now.
    pub covered: bool,
    /// Why a claim now would be refused whoever makes it (pause, window,
    /// replay, stale prices, funds); `None` if it would not.
    pub refusal: Option<String>,
}
