//! Runtime-agnostic rules of the buyback program (DESIGN.md section 1).
//!
//! Units: times are seconds since the Unix epoch; USDT amounts have
//! [`USDT_DECIMALS`] decimals; IFX and wETH amounts have
//! [`TOKEN_DECIMALS`] decimals; prices are USDT units (6 decimals) per whole
//! token. Every division rounds down, in favour of the fund.

use std::collections::BTreeMap;

use thiserror::Error;

/// Decimals of USDT amounts and prices.
pub const USDT_DECIMALS: u32 = 6;
/// Decimals of IFX and wETH amounts.
pub const TOKEN_DECIMALS: u32 = 18;
/// Six months after TGE, in seconds (182 days: the default window offset).
pub const DEFAULT_WINDOW_OFFSET: u64 = 182 * DAY;
/// Length of the claim window (7 days).
pub const DEFAULT_WINDOW_LENGTH: u64 = 7 * DAY;
/// Vesting period of the IFX payout (30 days).
pub const VESTING_PERIOD: u64 = 30 * DAY;
/// Size of the Guaranteed Node Buyback Fund: 10,000,000 IFX.
pub const DEFAULT_FUND_IFX: u128 = 10_000_000 * TOKEN_UNIT;
/// Share of the purchase price paid in wETH, in percent.
pub const WETH_SHARE_PERCENT: u128 = 80;
/// Seconds per day.
pub const DAY: u64 = 86_400;
/// One whole token in base units.
pub const TOKEN_UNIT: u128 = 1_000_000_000_000_000_000;
/// A hundred percent.
const PERCENT: u128 = 100;

/// A 32-byte root (registry or exclusion tree), as published.
pub type Root = [u8; 32];

/// Payout option.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PayoutOption {
    /// 100% of the purchase value in IFX, vested linearly over 30 days.
    Ifx,
    /// 80% of the purchase value in wETH, at once.
    Weth,
}

/// Program configuration, fixed at instantiation (roots rotate, see
/// [`State::rotate_exclusion_root`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Administrator address.
    pub admin: String,
    /// Treasury address (receives bought-back licenses).
    pub treasury: String,
    /// Program identifier (as in `snapshot.json`).
    pub program_id: String,
    /// Registry root.
    pub registry_root: Root,
    /// Token generation event time.
    pub tge: u64,
    /// Window opens at `tge + window_offset`.
    pub window_offset: u64,
    /// Window length.
    pub window_length: u64,
    /// How long a replaced exclusion root is still accepted.
    pub grace_period: u64,
}

impl Config {
    /// `[open, close)` of the claim window.
    pub fn window(&self) -> (u64, u64) {
        let open = self.tge.saturating_add(self.window_offset);
        (open, open.saturating_add(self.window_length))
    }
}

/// Token prices in USDT units per whole token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Prices {
    /// IFX/USDT.
    pub ifx: u128,
    /// ETH/USDT.
    pub eth: u128,
}

/// A linear vesting schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Vesting {
    /// Total IFX (base units).
    pub total: u128,
    /// Start time.
    pub start: u64,
    /// Already withdrawn.
    pub withdrawn: u128,
}

impl Vesting {
    /// Vested amount at `now` (rounded down).
    pub fn vested(&self, now: u64) -> u128 {
        let elapsed = now.saturating_sub(self.start).min(VESTING_PERIOD);
        self.total * u128::from(elapsed) / u128::from(VESTING_PERIOD)
    }
    /// Vested and not yet withdrawn.
    pub fn claimable(&self, now: u64) -> u128 {
        self.vested(now).saturating_sub(self.withdrawn)
    }
}

/// What a successful claim pays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Payout {
    /// IFX put under vesting.
    Ifx {
        /// Total IFX (base units).
        amount: u128,
    },
    /// wETH paid now.
    Weth {
        /// wETH (base units).
        amount: u128,
    },
}

/// Why a claim or an admin action is refused.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum RuleError {
    /// Before the window.
    #[error("the claim window opens at {open}, it is {now}")]
    WindowNotOpen {
        /// Opening time.
        open: u64,
        /// Now.
        now: u64,
    },
    /// After the window.
    #[error("the claim window closed at {close}, it is {now}")]
    WindowClosed {
        /// Closing time.
        close: u64,
        /// Now.
        now: u64,
    },
    /// The license was already bought back.
    #[error("license {0} has already been claimed")]
    AlreadyClaimed(u64),
    /// No purchase price or owner is known for the license.
    #[error("license {0} is unknown to this program")]
    UnknownLicense(u64),
    /// The sender does not own the license.
    #[error("{sender} does not own license {license}")]
    NotOwner {
        /// License.
        license: u64,
        /// Sender.
        sender: String,
    },
    /// The IFX fund cannot cover the claim.
    #[error("the buyback fund has {remaining} IFX units left, the claim needs {needed}")]
    FundExhausted {
        /// Remaining.
        remaining: u128,
        /// Needed.
        needed: u128,
    },
    /// The proof's exclusion root is neither current nor in its grace period.
    #[error("the proof's exclusion root is not current (or its grace period is over)")]
    StaleExclusionRoot,
    /// The proof did not verify.
    #[error("invalid proof: {0}")]
    InvalidProof(String),
    /// Only the admin may do this.
    #[error("only the admin may do this")]
    Unauthorized,
    /// A price of zero.
    #[error("prices must be positive")]
    ZeroPrice,
    /// Arithmetic overflow (absurd inputs).
    #[error("amount overflow")]
    Overflow,
}

/// The contract's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct State {
    /// Configuration.
    pub config: Config,
    /// Current exclusion root.
    pub exclusion_root: Root,
    /// Replaced exclusion roots and when they were replaced.
    pub previous_exclusion_roots: Vec<(Root, u64)>,
    /// Current prices.
    pub prices: Prices,
    /// IFX left in the fund (base units).
    pub fund_remaining: u128,
    /// Purchase price of each license, in USDT units.
    pub purchase_prices: BTreeMap<u64, u128>,
    /// Owner of each license.
    pub owners: BTreeMap<u64, String>,
    /// Claimed licenses and what they paid.
    pub claimed: BTreeMap<u64, Payout>,
    /// IFX vesting schedules by beneficiary.
    pub vesting: BTreeMap<String, Vec<Vesting>>,
}

/// The public inputs a claim's proof must be checked against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimCheck<'a> {
    /// License.
    pub license_id: u64,
    /// Registry root.
    pub registry_root: &'a Root,
    /// Exclusion root the proof was made against.
    pub exclusion_root: &'a Root,
    /// Claimant.
    pub claimant: &'a str,
    /// Option.
    pub option: PayoutOption,
}

/// IFX owed for a purchase price: `price * 10^18 / ifx_price`, rounded down.
pub fn ifx_amount(purchase_usdt: u128, prices: &Prices) -> Result<u128, RuleError> {
    if prices.ifx == 0 {
        return Err(RuleError::ZeroPrice);
    }
    purchase_usdt
        .checked_mul(TOKEN_UNIT)
        .map(|v| v / prices.ifx)
        .ok_or(RuleError::Overflow)
}

/// wETH owed: `80% * price * 10^18 / eth_price`, rounded down.
pub fn weth_amount(purchase_usdt: u128, prices: &Prices) -> Result<u128, RuleError> {
    if prices.eth == 0 {
        return Err(RuleError::ZeroPrice);
    }
    purchase_usdt
        .checked_mul(WETH_SHARE_PERCENT)
        .and_then(|v| v.checked_mul(TOKEN_UNIT))
        .map(|v| v / PERCENT / prices.eth)
        .ok_or(RuleError::Overflow)
}

impl State {
    /// A fresh state with the given fund.
    pub fn new(config: Config, exclusion_root: Root, prices: Prices, fund: u128) -> Self {
        State {
            config,
            exclusion_root,
            previous_exclusion_roots: Vec::new(),
            prices,
            fund_remaining: fund,
            purchase_prices: BTreeMap::new(),
            owners: BTreeMap::new(),
            claimed: BTreeMap::new(),
            vesting: BTreeMap::new(),
        }
    }

    fn admin(&self, sender: &str) -> Result<(), RuleError> {
        if sender != self.config.admin {
            return Err(RuleError::Unauthorized);
        }
        Ok(())
    }

    /// Admin: sets a license's owner and purchase price (USDT units).
    pub fn register_license(
        &mut self,
        sender: &str,
        license: u64,
        owner: &str,
        purchase_usdt: u128,
    ) -> Result<(), RuleError> {
        self.admin(sender)?;
        self.owners.insert(license, owner.to_string());
        self.purchase_prices.insert(license, purchase_usdt);
        Ok(())
    }

    /// Admin: sets the prices.
    pub fn set_prices(&mut self, sender: &str, prices: Prices) -> Result<(), RuleError> {
        self.admin(sender)?;
        if prices.ifx == 0 || prices.eth == 0 {
            return Err(RuleError::ZeroPrice);
        }
        self.prices = prices;
        Ok(())
    }

    /// Admin: replaces the exclusion root (the blacklist grows). The old
    /// root stays acceptable for the grace period from `now`.
    pub fn rotate_exclusion_root(
        &mut self,
        sender: &str,
        root: Root,
        now: u64,
    ) -> Result<(), RuleError> {
        self.admin(sender)?;
        let old = std::mem::replace(&mut self.exclusion_root, root);
        self.previous_exclusion_roots.push((old, now));
        Ok(())
    }

    /// Whether a proof made against `root` is acceptable at `now`.
    pub fn exclusion_root_accepted(&self, root: &Root, now: u64) -> bool {
        if *root == self.exclusion_root {
            return true;
        }
        self.previous_exclusion_roots.iter().any(|(r, replaced)| {
            r == root && now < replaced.saturating_add(self.config.grace_period)
        })
    }

    /// A claim: checks every rule, calls `verify` with the public inputs,
    /// and on success records the payout, moves the license to the treasury
    /// and (for IFX) starts the vesting. Nothing changes on error.
    pub fn claim(
        &mut self,
        now: u64,
        sender: &str,
        license_id: u64,
        option: PayoutOption,
        exclusion_root: &Root,
        verify: impl FnOnce(&ClaimCheck<'_>) -> Result<(), String>,
    ) -> Result<Payout, RuleError> {
        let (open, close) = self.config.window();
        if now < open {
            return Err(RuleError::WindowNotOpen { open, now });
        }
        if now >= close {
            return Err(RuleError::WindowClosed { close, now });
        }
        if self.claimed.contains_key(&license_id) {
            return Err(RuleError::AlreadyClaimed(license_id));
        }
        let (owner, price) = match (
            self.owners.get(&license_id),
            self.purchase_prices.get(&license_id),
        ) {
            (Some(o), Some(p)) => (o.clone(), *p),
            _ => return Err(RuleError::UnknownLicense(license_id)),
        };
        if owner != sender {
            return Err(RuleError::NotOwner {
                license: license_id,
                sender: sender.to_string(),
            });
        }
        if !self.exclusion_root_accepted(exclusion_root, now) {
            return Err(RuleError::StaleExclusionRoot);
        }
        let payout = match option {
            PayoutOption::Ifx => {
                let amount = ifx_amount(price, &self.prices)?;
                if amount > self.fund_remaining {
                    return Err(RuleError::FundExhausted {
                        remaining: self.fund_remaining,
                        needed: amount,
                    });
                }
                Payout::Ifx { amount }
            }
            PayoutOption::Weth => Payout::Weth {
                amount: weth_amount(price, &self.prices)?,
            },
        };
        verify(&ClaimCheck {
            license_id,
            registry_root: &self.config.registry_root,
            exclusion_root,
            claimant: sender,
            option,
        })
        .map_err(RuleError::InvalidProof)?;
        // Every check passed: apply.
        if let Payout::Ifx { amount } = payout {
            self.fund_remaining -= amount;
            self.vesting
                .entry(sender.to_string())
                .or_default()
                .push(Vesting {
                    total: amount,
                    start: now,
                    withdrawn: 0,
                });
        }
        self.claimed.insert(license_id, payout);
        self.owners.insert(license_id, self.config.treasury.clone());
        Ok(payout)
    }

    /// IFX the beneficiary can withdraw now.
    pub fn claimable(&self, beneficiary: &str, now: u64) -> u128 {
        self.vesting
            .get(beneficiary)
            .map(|v| v.iter().map(|s| s.claimable(now)).sum())
            .unwrap_or(0)
    }

    /// Withdraws everything vested; returns the amount.
    pub fn withdraw_vested(&mut self, beneficiary: &str, now: u64) -> u128 {
        let mut total = 0;
        if let Some(schedules) = self.vesting.get_mut(beneficiary) {
            for s in schedules.iter_mut() {
                let c = s.claimable(now);
                s.withdrawn += c;
                total += c;
            }
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TGE: u64 = 1_700_000_000;
    const ADMIN: &str = "admin";
    const ALICE: &str = "alice";
    const BOB: &str = "bob";
    const ROOT_A: Root = [1; 32];
    const ROOT_B: Root = [2; 32];
    /// A license bought for 1,000 USDT.
    const PRICE: u128 = 1_000 * 1_000_000;

    fn state() -> State {
        let config = Config {
            admin: ADMIN.into(),
            treasury: "treasury".into(),
            program_id: "gnb".into(),
            registry_root: [9; 32],
            tge: TGE,
            window_offset: DEFAULT_WINDOW_OFFSET,
            window_length: DEFAULT_WINDOW_LENGTH,
            grace_period: DAY,
        };
        // IFX at 0.25 USDT, ETH at 2,000 USDT.
        let prices = Prices {
            ifx: 250_000,
            eth: 2_000 * 1_000_000,
        };
        let mut s = State::new(config, ROOT_A, prices, DEFAULT_FUND_IFX);
        s.register_license(ADMIN, 7, ALICE, PRICE).unwrap();
        s.register_license(ADMIN, 8, ALICE, PRICE).unwrap();
        s
    }

    fn open(s: &State) -> u64 {
        s.config.window().0
    }

    fn ok(_: &ClaimCheck<'_>) -> Result<(), String> {
        Ok(())
    }

    #[test]
    fn ifx_claim_vests_over_30_days() {
        let mut s = state();
        let t = open(&s) + 10;
        let p = s
            .claim(t, ALICE, 7, PayoutOption::Ifx, &ROOT_A, ok)
            .unwrap();
        // 1,000 USDT at 0.25 USDT/IFX = 4,000 IFX.
        assert_eq!(
            p,
            Payout::Ifx {
                amount: 4_000 * TOKEN_UNIT
            }
        );
        assert_eq!(s.fund_remaining, DEFAULT_FUND_IFX - 4_000 * TOKEN_UNIT);
        assert_eq!(s.owners[&7], "treasury");
        assert_eq!(s.claimable(ALICE, t), 0);
        assert_eq!(s.claimable(ALICE, t + 15 * DAY), 2_000 * TOKEN_UNIT);
        assert_eq!(s.claimable(ALICE, t + 30 * DAY), 4_000 * TOKEN_UNIT);
        assert_eq!(s.claimable(ALICE, t + 90 * DAY), 4_000 * TOKEN_UNIT);
        assert_eq!(s.withdraw_vested(ALICE, t + 15 * DAY), 2_000 * TOKEN_UNIT);
        assert_eq!(s.claimable(ALICE, t + 15 * DAY), 0);
        assert_eq!(s.withdraw_vested(ALICE, t + 30 * DAY), 2_000 * TOKEN_UNIT);
    }

    #[test]
    fn weth_claim_pays_80_percent_at_once() {
        let mut s = state();
        let p = s
            .claim(open(&s), ALICE, 7, PayoutOption::Weth, &ROOT_A, ok)
            .unwrap();
        // 800 USDT at 2,000 USDT/ETH = 0.4 ETH.
        assert_eq!(
            p,
            Payout::Weth {
                amount: 4 * TOKEN_UNIT / 10
            }
        );
        assert_eq!(
            s.fund_remaining, DEFAULT_FUND_IFX,
            "wETH does not draw on the IFX fund"
        );
        assert_eq!(s.claimable(ALICE, open(&s) + 40 * DAY), 0);
    }

    #[test]
    fn rounding_favours_the_fund() {
        let prices = Prices { ifx: 3, eth: 3 };
        assert_eq!(ifx_amount(1, &prices).unwrap(), TOKEN_UNIT / 3);
        assert_eq!(
            weth_amount(1, &prices).unwrap(),
            (80 * TOKEN_UNIT / 100) / 3
        );
        let v = Vesting {
            total: 10,
            start: 0,
            withdrawn: 0,
        };
        assert_eq!(v.vested(VESTING_PERIOD / 3), 3);
        assert!(ifx_amount(1, &Prices { ifx: 0, eth: 1 }).is_err());
        assert_eq!(ifx_amount(u128::MAX, &prices), Err(RuleError::Overflow));
    }

    #[test]
    fn window_boundaries() {
        let mut s = state();
        let (o, c) = s.config.window();
        assert_eq!(c - o, 7 * DAY);
        assert!(matches!(
            s.claim(o - 1, ALICE, 7, PayoutOption::Ifx, &ROOT_A, ok),
            Err(RuleError::WindowNotOpen { .. })
        ));
        assert!(matches!(
            s.claim(c, ALICE, 7, PayoutOption::Ifx, &ROOT_A, ok),
            Err(RuleError::WindowClosed { .. })
        ));
        assert!(s
            .claim(c - 1, ALICE, 7, PayoutOption::Ifx, &ROOT_A, ok)
            .is_ok());
    }

    #[test]
    fn replay_unknown_and_non_owner_are_refused() {
        let mut s = state();
        let t = open(&s);
        assert_eq!(
            s.claim(t, BOB, 7, PayoutOption::Ifx, &ROOT_A, ok),
            Err(RuleError::NotOwner {
                license: 7,
                sender: BOB.into()
            })
        );
        assert_eq!(
            s.claim(t, ALICE, 99, PayoutOption::Ifx, &ROOT_A, ok),
            Err(RuleError::UnknownLicense(99))
        );
        s.claim(t, ALICE, 7, PayoutOption::Ifx, &ROOT_A, ok)
            .unwrap();
        assert_eq!(
            s.claim(t, ALICE, 7, PayoutOption::Weth, &ROOT_A, ok),
            Err(RuleError::AlreadyClaimed(7))
        );
    }

    #[test]
    fn invalid_proof_changes_nothing() {
        let mut s = state();
        let before = s.clone();
        let r = s.claim(open(&s), ALICE, 7, PayoutOption::Ifx, &ROOT_A, |c| {
            assert_eq!(c.claimant, ALICE);
            assert_eq!(c.option, PayoutOption::Ifx);
            Err("proof does not verify".into())
        });
        assert!(matches!(r, Err(RuleError::InvalidProof(_))));
        assert_eq!(s, before);
    }

    #[test]
    fn fund_exhaustion_fails_clearly() {
        let mut s = state();
        s.fund_remaining = 3_999 * TOKEN_UNIT;
        let before = s.clone();
        assert!(matches!(
            s.claim(open(&s), ALICE, 7, PayoutOption::Ifx, &ROOT_A, ok),
            Err(RuleError::FundExhausted { .. })
        ));
        assert_eq!(s, before);
        // wETH still possible.
        assert!(s
            .claim(open(&s), ALICE, 7, PayoutOption::Weth, &ROOT_A, ok)
            .is_ok());
    }

    #[test]
    fn stale_exclusion_root_within_and_after_grace() {
        let mut s = state();
        let t = open(&s);
        assert_eq!(
            s.rotate_exclusion_root(BOB, ROOT_B, t),
            Err(RuleError::Unauthorized)
        );
        s.rotate_exclusion_root(ADMIN, ROOT_B, t).unwrap();
        assert!(s.exclusion_root_accepted(&ROOT_B, t + 5 * DAY));
        assert!(s.exclusion_root_accepted(&ROOT_A, t + DAY - 1));
        assert!(!s.exclusion_root_accepted(&ROOT_A, t + DAY));
        assert_eq!(
            s.claim(t + DAY, ALICE, 7, PayoutOption::Ifx, &ROOT_A, ok),
            Err(RuleError::StaleExclusionRoot)
        );
        assert!(s
            .claim(t + DAY - 1, ALICE, 8, PayoutOption::Ifx, &ROOT_A, ok)
            .is_ok());
        assert!(!s.exclusion_root_accepted(&[3; 32], t));
    }

    #[test]
    fn admin_only_actions() {
        let mut s = state();
        assert_eq!(
            s.register_license(BOB, 1, BOB, 1),
            Err(RuleError::Unauthorized)
        );
        assert_eq!(s.set_prices(BOB, s.prices), Err(RuleError::Unauthorized));
        assert_eq!(
            s.set_prices(ADMIN, Prices { ifx: 0, eth: 1 }),
            Err(RuleError::ZeroPrice)
        );
    }
}
