//! Storage layout (cw-storage-plus). Values are small serde mirrors of the
//! rules' types; conversions live here so the handlers stay thin.

use cosmwasm_schema::cw_serde;
use cosmwasm_std::{Addr, Binary, Uint128};
use cw_storage_plus::{Item, Map};

use crate::msg::{ClaimRecord, PayoutOption};
use crate::rules::{self, Root};

/// Everything fixed at instantiation.
#[cw_serde]
pub struct StoredConfig {
    /// Administrator.
    pub admin: Addr,
    /// Treasury.
    pub treasury: Addr,
    /// Program identifier.
    pub program_id: String,
    /// Registry root (canonical field bytes, big-endian).
    pub registry_root: Root,
    /// Threshold numerator.
    pub threshold_num: u64,
    /// Threshold denominator.
    pub threshold_den: u64,
    /// Log capacity.
    pub capacity: u64,
    /// Tree depth.
    pub depth: u32,
    /// Circuit size parameter.
    pub k: u32,
    /// Circuit fingerprint.
    pub circuit_fingerprint: String,
    /// TGE time.
    pub tge: u64,
    /// Window offset from TGE.
    pub window_offset: u64,
    /// Window length.
    pub window_length: u64,
    /// Grace period of replaced exclusion roots.
    pub grace_period: u64,
    /// License cw721 contract.
    pub license_nft: Addr,
    /// IFX cw20 contract.
    pub ifx_token: Addr,
    /// wETH cw20 contract.
    pub weth_token: Addr,
}

impl StoredConfig {
    /// The rules' view.
    pub fn rules(&self) -> rules::Config {
        rules::Config {
            admin: self.admin.to_string(),
            treasury: self.treasury.to_string(),
            program_id: self.program_id.clone(),
            registry_root: self.registry_root,
            tge: self.tge,
            window_offset: self.window_offset,
            window_length: self.window_length,
            grace_period: self.grace_period,
        }
    }
}

/// Exclusion roots.
#[cw_serde]
pub struct StoredRoots {
    /// Current.
    pub current: Root,
    /// `(root, replaced_at)`, oldest first.
    pub previous: Vec<(Root, u64)>,
}

impl From<&StoredRoots> for rules::ExclusionRoots {
    fn from(s: &StoredRoots) -> Self {
        rules::ExclusionRoots {
            current: s.current,
            previous: s
                .previous
                .iter()
                .map(|&(root, replaced_at)| rules::ReplacedRoot { root, replaced_at })
                .collect(),
        }
    }
}

impl From<&rules::ExclusionRoots> for StoredRoots {
    fn from(r: &rules::ExclusionRoots) -> Self {
        StoredRoots {
            current: r.current,
            previous: r.previous.iter().map(|p| (p.root, p.replaced_at)).collect(),
        }
    }
}

/// Prices.
#[cw_serde]
pub struct StoredPrices {
    /// IFX/USDT.
    pub ifx: Uint128,
    /// ETH/USDT.
    pub eth: Uint128,
}

impl From<&StoredPrices> for rules::Prices {
    fn from(p: &StoredPrices) -> Self {
        rules::Prices {
            ifx: p.ifx.u128(),
            eth: p.eth.u128(),
        }
    }
}

/// Fund and reserve.
#[cw_serde]
pub struct StoredFunds {
    /// Fund size.
    pub ifx_size: Uint128,
    /// Deposited.
    pub ifx_deposited: Uint128,
    /// Committed.
    pub ifx_committed: Uint128,
    /// wETH reserve.
    pub weth_reserve: Uint128,
}

impl From<&StoredFunds> for rules::Funds {
    fn from(f: &StoredFunds) -> Self {
        rules::Funds {
            ifx_size: f.ifx_size.u128(),
            ifx_deposited: f.ifx_deposited.u128(),
            ifx_committed: f.ifx_committed.u128(),
            weth_reserve: f.weth_reserve.u128(),
        }
    }
}

impl From<&rules::Funds> for StoredFunds {
    fn from(f: &rules::Funds) -> Self {
        StoredFunds {
            ifx_size: f.ifx_size.into(),
            ifx_deposited: f.ifx_deposited.into(),
            ifx_committed: f.ifx_committed.into(),
            weth_reserve: f.weth_reserve.into(),
        }
    }
}

/// A vesting schedule.
#[cw_serde]
pub struct StoredVesting {
    /// Total.
    pub total: Uint128,
    /// Start.
    pub start: u64,
    /// Withdrawn.
    pub withdrawn: Uint128,
}

impl From<&StoredVesting> for rules::Vesting {
    fn from(v: &StoredVesting) -> Self {
        rules::Vesting {
            total: v.total.u128(),
            start: v.start,
            withdrawn: v.withdrawn.u128(),
        }
    }
}

impl From<&rules::Vesting> for StoredVesting {
    fn from(v: &rules::Vesting) -> Self {
        StoredVesting {
            total: v.total.into(),
            start: v.start,
            withdrawn: v.withdrawn.into(),
        }
    }
}

impl From<PayoutOption> for rules::PayoutOption {
    fn from(o: PayoutOption) -> Self {
        match o {
            PayoutOption::Ifx => rules::PayoutOption::Ifx,
            PayoutOption::Weth => rules::PayoutOption::Weth,
        }
    }
}

impl From<PayoutOption> for eligo_circuits::PayoutOption {
    fn from(o: PayoutOption) -> Self {
        match o {
            PayoutOption::Ifx => eligo_circuits::PayoutOption::Ifx,
            PayoutOption::Weth => eligo_circuits::PayoutOption::Weth,
        }
    }
}

/// Configuration.
pub const CONFIG: Item<StoredConfig> = Item::new("config");
/// Canonical IPA parameters for the circuit's `k`.
pub const PARAMS: Item<Binary> = Item::new("params");
/// Exclusion roots.
pub const ROOTS: Item<StoredRoots> = Item::new("roots");
/// Prices.
pub const PRICES: Item<StoredPrices> = Item::new("prices");
/// Fund and reserve.
pub const FUNDS: Item<StoredFunds> = Item::new("funds");
/// Purchase price of each license (USDT base units).
pub const PURCHASE_PRICES: Map<u64, Uint128> = Map::new("purchase");
/// Claims by license id: the license id is the nullifier.
pub const CLAIMS: Map<u64, ClaimRecord> = Map::new("claims");
/// Vesting schedules by (beneficiary, license id).
pub const VESTING: Map<(&Addr, u64), StoredVesting> = Map::new("vesting");
