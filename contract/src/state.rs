//! Storage layout (cw-storage-plus). Values are small serde mirrors of the
//! rules' types; conversions live here so the handlers stay thin.

use cosmwasm_schema::cw_serde;
use cosmwasm_std::{Addr, StdError, StdResult, Storage, Uint128};
use cw_storage_plus::{Item, Map};

use crate::msg::{ClaimRecord, PayoutOption};
use crate::rules::{self, Root};

/// The configuration: fixed at instantiation, but for the admin (two
/// steps), the pause and the window's close (extended only).
#[cw_serde]
pub struct StoredConfig {
    /// Administrator.
    pub admin: Addr,
    /// The proposed admin, until they accept.
    pub pending_admin: Option<Addr>,
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
    /// The window opens (six calendar months after the TGE).
    pub window_open: u64,
    /// The window closes (7 days later, or later if extended).
    pub window_close: u64,
    /// Grace period of replaced exclusion roots.
    pub grace_period: u64,
    /// Claims refuse prices older than this.
    pub price_max_age: u64,
    /// Claims are paused.
    pub paused: bool,
    /// Leftovers were swept (the window can no longer be extended).
    pub swept: bool,
    /// IFX decimals, read from the token.
    pub ifx_decimals: u8,
    /// wETH decimals, read from the token.
    pub weth_decimals: u8,
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
            window_open: self.window_open,
            window_close: self.window_close,
            grace_period: self.grace_period,
            price_max_age: self.price_max_age,
            paused: self.paused,
            decimals: rules::TokenDecimals {
                ifx: self.ifx_decimals,
                weth: self.weth_decimals,
            },
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
    /// When they were read.
    pub as_of: u64,
}

impl From<&StoredPrices> for rules::Prices {
    fn from(p: &StoredPrices) -> Self {
        rules::Prices {
            ifx: p.ifx.u128(),
            eth: p.eth.u128(),
            as_of: p.as_of,
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
    /// Withdrawn by beneficiaries.
    pub ifx_withdrawn: Uint128,
    /// wETH reserve.
    pub weth_reserve: Uint128,
}

impl From<&StoredFunds> for rules::Funds {
    fn from(f: &StoredFunds) -> Self {
        rules::Funds {
            ifx_size: f.ifx_size.u128(),
            ifx_deposited: f.ifx_deposited.u128(),
            ifx_committed: f.ifx_committed.u128(),
            ifx_withdrawn: f.ifx_withdrawn.u128(),
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
            ifx_withdrawn: f.ifx_withdrawn.into(),
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
/// CosmWasm refuses values over 128 KiB; the generators are 262,804
/// bytes at `k = 12`: blobs are stored in raw chunks of this size.
pub const BLOB_CHUNK_BYTES: usize = 96 * 1024;
/// The verifying key (`eligo-vk/1` bytes), checked at instantiation.
pub const KEY_BLOB: &[u8] = b"vk";
/// The generators (`eligo-gens/1` bytes), checked at instantiation.
pub const GENERATORS_BLOB: &[u8] = b"gens";

fn blob_len_key(name: &[u8]) -> Vec<u8> {
    [b"blob_len/".as_slice(), name].concat()
}

fn chunk_key(name: &[u8], index: u32) -> Vec<u8> {
    [b"blob/".as_slice(), name, b"/", &index.to_be_bytes()].concat()
}

/// Stores bytes in raw chunks (no JSON, no base64).
pub fn save_blob(storage: &mut dyn Storage, name: &[u8], bytes: &[u8]) -> StdResult<()> {
    for (i, chunk) in bytes.chunks(BLOB_CHUNK_BYTES).enumerate() {
        let index = u32::try_from(i).map_err(|_| StdError::generic_err("too many chunks"))?;
        storage.set(&chunk_key(name, index), chunk);
    }
    storage.set(&blob_len_key(name), &(bytes.len() as u64).to_be_bytes());
    Ok(())
}

/// Loads the bytes stored by [`save_blob`].
pub fn load_blob(storage: &dyn Storage, name: &[u8]) -> StdResult<Vec<u8>> {
    let missing = || StdError::generic_err(format!("{} not stored", String::from_utf8_lossy(name)));
    let len_bytes = storage.get(&blob_len_key(name)).ok_or_else(missing)?;
    let len_bytes: [u8; 8] = len_bytes.as_slice().try_into().map_err(|_| missing())?;
    let len = usize::try_from(u64::from_be_bytes(len_bytes))
        .map_err(|_| StdError::generic_err("stored blob too large"))?;
    let mut out = Vec::with_capacity(len);
    let mut index = 0u32;
    while out.len() < len {
        let chunk = storage.get(&chunk_key(name, index)).ok_or_else(|| {
            StdError::generic_err(format!(
                "{} chunk {index} missing",
                String::from_utf8_lossy(name)
            ))
        })?;
        out.extend_from_slice(&chunk);
        index += 1;
    }
    if out.len() != len {
        return Err(StdError::generic_err("a stored blob has the wrong length"));
    }
    Ok(out)
}
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

#[cfg(test)]
mod tests {
    use super::*;
    use cosmwasm_std::testing::MockStorage;

    /// CosmWasm's largest storage value.
    const MAX_VALUE_BYTES: usize = 128 * 1024;

    #[test]
    fn blobs_are_stored_in_chunks_under_the_value_limit() {
        // The size of the k = 12 generators (the default shape).
        let bytes: Vec<u8> = (0..262_804u32).map(|i| (i % 251) as u8).collect();
        let mut storage = MockStorage::new();
        save_blob(&mut storage, GENERATORS_BLOB, &bytes).unwrap();
        for i in 0..3 {
            let chunk = storage.get(&chunk_key(GENERATORS_BLOB, i)).unwrap();
            assert!(chunk.len() <= MAX_VALUE_BYTES);
        }
        assert!(storage.get(&chunk_key(GENERATORS_BLOB, 3)).is_none());
        assert_eq!(load_blob(&storage, GENERATORS_BLOB).unwrap(), bytes);
        // Another blob is independent; a missing one is an error.
        assert!(load_blob(&storage, KEY_BLOB).is_err());
        save_blob(&mut storage, KEY_BLOB, b"key").unwrap();
        assert_eq!(load_blob(&storage, KEY_BLOB).unwrap(), b"key");
        // A missing chunk is an error, not short bytes.
        storage.remove(&chunk_key(GENERATORS_BLOB, 1));
        assert!(load_blob(&storage, GENERATORS_BLOB).is_err());
    }
}
