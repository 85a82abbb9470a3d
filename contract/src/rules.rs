//! Runtime-agnostic rules of the buyback program (DESIGN.md section 1).
//!
//! Pure functions over small values ([`check_claim`], [`apply_payout`],
//! [`ExclusionRoots`], [`Funds`], [`Vesting`]) that any host can call with
//! what it loaded from its own storage, plus [`State`], an in-memory host
//! built on them (the reference the CosmWasm layer is tested against).
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
/// Seconds per day.
pub const DAY: u64 = 86_400;
/// Six months after TGE, in seconds (182 days: the default window offset).
pub const DEFAULT_WINDOW_OFFSET: u64 = 182 * DAY;
/// Length of the claim window (7 days).
pub const DEFAULT_WINDOW_LENGTH: u64 = 7 * DAY;
/// Default grace period of a replaced exclusion root (1 day).
pub const DEFAULT_GRACE_PERIOD: u64 = DAY;
/// Vesting period of the IFX payout (30 days).
pub const VESTING_PERIOD: u64 = 30 * DAY;
/// One whole token in base units.
pub const TOKEN_UNIT: u128 = 1_000_000_000_000_000_000;
/// Size of the Guaranteed Node Buyback Fund: 10,000,000 IFX.
pub const DEFAULT_FUND_IFX: u128 = 10_000_000 * TOKEN_UNIT;
/// Share of the purchase price paid in wETH, in percent.
pub const WETH_SHARE_PERCENT: u128 = 80;
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

/// Program configuration, fixed at instantiation (the exclusion root
/// rotates, see [`ExclusionRoots`]).
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

    /// Refuses while the window has not closed.
    pub fn require_window_closed(&self, now: u64) -> Result<(), RuleError> {
        let (_, close) = self.window();
        if now < close {
            return Err(RuleError::WindowNotClosed { close });
        }
        Ok(())
    }

    /// Refuses anyone but the admin.
    pub fn require_admin(&self, sender: &str) -> Result<(), RuleError> {
        if sender != self.admin {
            return Err(RuleError::Unauthorized);
        }
        Ok(())
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

impl Prices {
    /// Refuses a zero price.
    pub fn validate(&self) -> Result<(), RuleError> {
        if self.ifx == 0 || self.eth == 0 {
            return Err(RuleError::ZeroPrice);
        }
        Ok(())
    }
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
    /// A schedule of `total` starting at `start`.
    pub fn new(total: u128, start: u64) -> Self {
        Vesting {
            total,
            start,
            withdrawn: 0,
        }
    }
    /// Vested amount at `now` (rounded down): `total * elapsed / 30 days`.
    pub fn vested(&self, now: u64) -> u128 {
        let elapsed = now.saturating_sub(self.start).min(VESTING_PERIOD);
        // total < 2^128 / 2^22 for any real fund, but stay exact regardless.
        mul_div(self.total, u128::from(elapsed), u128::from(VESTING_PERIOD))
    }
    /// Vested and not yet withdrawn.
    pub fn claimable(&self, now: u64) -> u128 {
        self.vested(now).saturating_sub(self.withdrawn)
    }
    /// Marks everything vested as withdrawn; returns the amount.
    pub fn withdraw(&mut self, now: u64) -> u128 {
        let c = self.claimable(now);
        self.withdrawn += c;
        c
    }
}

/// `a * b / c` rounded down, exact for `b <= c` (no overflow of `a * b`).
fn mul_div(a: u128, b: u128, c: u128) -> u128 {
    debug_assert!(b <= c && c > 0);
    (a / c) * b + (a % c) * b / c
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

impl Payout {
    /// The option it pays.
    pub fn option(&self) -> PayoutOption {
        match self {
            Payout::Ifx { .. } => PayoutOption::Ifx,
            Payout::Weth { .. } => PayoutOption::Weth,
        }
    }
    /// The amount (base units of its token).
    pub fn amount(&self) -> u128 {
        match self {
            Payout::Ifx { amount } | Payout::Weth { amount } => *amount,
        }
    }
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
    /// The wETH reserve cannot cover the claim.
    #[error("the wETH reserve has {available} units, the claim needs {needed}")]
    WethReserveShort {
        /// Available.
        available: u128,
        /// Needed.
        needed: u128,
    },
    /// A deposit would take the IFX fund past its size.
    #[error(
        "the fund holds at most {size} IFX units; {deposited} deposited, {amount} more refused"
    )]
    FundCapExceeded {
        /// Fund size.
        size: u128,
        /// Already deposited.
        deposited: u128,
        /// The refused deposit.
        amount: u128,
    },
    /// The payout is below the claimant's minimum.
    #[error("the claim would pay {amount}, below the minimum {min_amount} asked for")]
    BelowMinimum {
        /// What it would pay.
        amount: u128,
        /// The minimum.
        min_amount: u128,
    },
    /// Leftover funds can only be swept once the window has closed.
    #[error("the claim window is open until {close}: nothing can be swept before")]
    WindowNotClosed {
        /// Closing time.
        close: u64,
    },
    /// The proof's exclusion root is neither current nor in its grace period.
    #[error("the proof's exclusion root is not current (or its grace period is over)")]
    StaleExclusionRoot,
    /// A rotation to the root already current.
    #[error("that exclusion root is already the current one")]
    SameExclusionRoot,
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

/// A replaced exclusion root.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReplacedRoot {
    /// The root.
    pub root: Root,
    /// When it was replaced.
    pub replaced_at: u64,
}

/// The current exclusion root and the replaced ones still in their grace
/// period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExclusionRoots {
    /// The current root.
    pub current: Root,
    /// Replaced roots, oldest first.
    pub previous: Vec<ReplacedRoot>,
}

impl ExclusionRoots {
    /// Only `current`.
    pub fn new(current: Root) -> Self {
        ExclusionRoots {
            current,
            previous: Vec::new(),
        }
    }

    /// Whether a proof made against `root` is acceptable at `now`: the
    /// current root always; a replaced one for `grace` seconds after its
    /// replacement, never after.
    pub fn accepts(&self, root: &Root, now: u64, grace: u64) -> bool {
        if *root == self.current {
            return true;
        }
        self.previous
            .iter()
            .any(|r| r.root == *root && now < r.replaced_at.saturating_add(grace))
    }

    /// Replaces the current root at `now`. Roots whose grace period is over
    /// are dropped, so the list stays short.
    pub fn rotate(&mut self, root: Root, now: u64, grace: u64) -> Result<(), RuleError> {
        if root == self.current {
            return Err(RuleError::SameExclusionRoot);
        }
        let old = std::mem::replace(&mut self.current, root);
        self.previous
            .retain(|r| now < r.replaced_at.saturating_add(grace) && r.root != root);
        self.previous.push(ReplacedRoot {
            root: old,
            replaced_at: now,
        });
        Ok(())
    }
}

/// The IFX fund and the wETH reserve (base units).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Funds {
    /// Most IFX the fund may hold over its life (10,000,000 IFX).
    pub ifx_size: u128,
    /// IFX deposited so far.
    pub ifx_deposited: u128,
    /// IFX promised to claims (vesting, withdrawn or not).
    pub ifx_committed: u128,
    /// wETH available for payouts.
    pub weth_reserve: u128,
}

impl Funds {
    /// An empty fund of the given size.
    pub fn new(ifx_size: u128) -> Self {
        Funds {
            ifx_size,
            ifx_deposited: 0,
            ifx_committed: 0,
            weth_reserve: 0,
        }
    }
    /// IFX deposited and not promised.
    pub fn ifx_remaining(&self) -> u128 {
        self.ifx_deposited - self.ifx_committed
    }
    /// Adds IFX to the fund, up to its size.
    pub fn deposit_ifx(&mut self, amount: u128) -> Result<(), RuleError> {
        let total = self
            .ifx_deposited
            .checked_add(amount)
            .ok_or(RuleError::Overflow)?;
        if total > self.ifx_size {
            return Err(RuleError::FundCapExceeded {
                size: self.ifx_size,
                deposited: self.ifx_deposited,
                amount,
            });
        }
        self.ifx_deposited = total;
        Ok(())
    }
    /// Adds wETH to the reserve.
    pub fn deposit_weth(&mut self, amount: u128) -> Result<(), RuleError> {
        self.weth_reserve = self
            .weth_reserve
            .checked_add(amount)
            .ok_or(RuleError::Overflow)?;
        Ok(())
    }
    /// Takes out everything no claim is owed: the IFX not promised to any
    /// vesting, and the wETH reserve. Returns `(ifx, weth)`.
    pub fn sweep(&mut self) -> (u128, u128) {
        let ifx = self.ifx_remaining();
        self.ifx_deposited -= ifx;
        let weth = std::mem::take(&mut self.weth_reserve);
        (ifx, weth)
    }
    /// Refuses a payout the funds cannot cover.
    pub fn check(&self, payout: &Payout) -> Result<(), RuleError> {
        match *payout {
            Payout::Ifx { amount } if amount > self.ifx_remaining() => {
                Err(RuleError::FundExhausted {
                    remaining: self.ifx_remaining(),
                    needed: amount,
                })
            }
            Payout::Weth { amount } if amount > self.weth_reserve => {
                Err(RuleError::WethReserveShort {
                    available: self.weth_reserve,
                    needed: amount,
                })
            }
            _ => Ok(()),
        }
    }
}

/// Refuses a purchase price of zero (the license would be bought back for
/// nothing).
pub fn validate_purchase_price(purchase_usdt: u128) -> Result<(), RuleError> {
    if purchase_usdt == 0 {
        return Err(RuleError::ZeroPrice);
    }
    Ok(())
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

/// What the host knows of one license.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LicenseFacts<'a> {
    /// Current owner, if the license exists.
    pub owner: Option<&'a str>,
    /// Purchase price (USDT units), if the admin set one.
    pub purchase_usdt: Option<u128>,
    /// Whether it was already bought back (the license id is the nullifier).
    pub claimed: bool,
}

/// A claim as submitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClaimRequest<'a> {
    /// Block time.
    pub now: u64,
    /// Sender.
    pub sender: &'a str,
    /// License.
    pub license_id: u64,
    /// Option.
    pub option: PayoutOption,
    /// Exclusion root the proof was made against.
    pub exclusion_root: &'a Root,
    /// The least the claimant accepts (base units of the option's token;
    /// 0: anything). Protects against a price change landing first.
    pub min_amount: u128,
}

/// Every rule of a claim except the proof, in a fixed order: window,
/// replay, unknown license, ownership, exclusion root, amount, minimum,
/// funds.
/// Returns what the claim would pay; the host then verifies the proof and
/// applies the payout with [`apply_payout`].
pub fn check_claim(
    config: &Config,
    roots: &ExclusionRoots,
    prices: &Prices,
    funds: &Funds,
    license: &LicenseFacts<'_>,
    req: &ClaimRequest<'_>,
) -> Result<Payout, RuleError> {
    let (open, close) = config.window();
    if req.now < open {
        return Err(RuleError::WindowNotOpen { open, now: req.now });
    }
    if req.now >= close {
        return Err(RuleError::WindowClosed {
            close,
            now: req.now,
        });
    }
    if license.claimed {
        return Err(RuleError::AlreadyClaimed(req.license_id));
    }
    let (owner, price) = match (license.owner, license.purchase_usdt) {
        (Some(o), Some(p)) => (o, p),
        _ => return Err(RuleError::UnknownLicense(req.license_id)),
    };
    if owner != req.sender {
        return Err(RuleError::NotOwner {
            license: req.license_id,
            sender: req.sender.to_string(),
        });
    }
    if !roots.accepts(req.exclusion_root, req.now, config.grace_period) {
        return Err(RuleError::StaleExclusionRoot);
    }
    let payout = match req.option {
        PayoutOption::Ifx => Payout::Ifx {
            amount: ifx_amount(price, prices)?,
        },
        PayoutOption::Weth => Payout::Weth {
            amount: weth_amount(price, prices)?,
        },
    };
    if payout.amount() < req.min_amount {
        return Err(RuleError::BelowMinimum {
            amount: payout.amount(),
            min_amount: req.min_amount,
        });
    }
    funds.check(&payout)?;
    Ok(payout)
}

/// Takes a checked payout out of the funds; for IFX, returns the vesting
/// schedule that starts `now`.
pub fn apply_payout(
    funds: &mut Funds,
    payout: &Payout,
    now: u64,
) -> Result<Option<Vesting>, RuleError> {
    funds.check(payout)?;
    Ok(match *payout {
        Payout::Ifx { amount } => {
            funds.ifx_committed += amount;
            Some(Vesting::new(amount, now))
        }
        Payout::Weth { amount } => {
            funds.weth_reserve -= amount;
            None
        }
    })
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

/// An in-memory host of the rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct State {
    /// Configuration.
    pub config: Config,
    /// Exclusion roots.
    pub roots: ExclusionRoots,
    /// Current prices.
    pub prices: Prices,
    /// Fund and reserve.
    pub funds: Funds,
    /// Purchase price of each license, in USDT units.
    pub purchase_prices: BTreeMap<u64, u128>,
    /// Owner of each license.
    pub owners: BTreeMap<u64, String>,
    /// Claimed licenses and what they paid.
    pub claimed: BTreeMap<u64, Payout>,
    /// IFX vesting schedules by beneficiary.
    pub vesting: BTreeMap<String, Vec<Vesting>>,
}

impl State {
    /// A fresh state with the given funds.
    pub fn new(config: Config, exclusion_root: Root, prices: Prices, funds: Funds) -> Self {
        State {
            config,
            roots: ExclusionRoots::new(exclusion_root),
            prices,
            funds,
            purchase_prices: BTreeMap::new(),
            owners: BTreeMap::new(),
            claimed: BTreeMap::new(),
            vesting: BTreeMap::new(),
        }
    }

    /// Admin: sets a license's owner and purchase price (USDT units).
    pub fn register_license(
        &mut self,
        sender: &str,
        license: u64,
        owner: &str,
        purchase_usdt: u128,
    ) -> Result<(), RuleError> {
        self.config.require_admin(sender)?;
        validate_purchase_price(purchase_usdt)?;
        self.owners.insert(license, owner.to_string());
        self.purchase_prices.insert(license, purchase_usdt);
        Ok(())
    }

    /// Admin: sets the prices.
    pub fn set_prices(&mut self, sender: &str, prices: Prices) -> Result<(), RuleError> {
        self.config.require_admin(sender)?;
        prices.validate()?;
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
        self.config.require_admin(sender)?;
        self.roots.rotate(root, now, self.config.grace_period)
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
        let facts = LicenseFacts {
            owner: self.owners.get(&license_id).map(String::as_str),
            purchase_usdt: self.purchase_prices.get(&license_id).copied(),
            claimed: self.claimed.contains_key(&license_id),
        };
        let req = ClaimRequest {
            now,
            sender,
            license_id,
            option,
            exclusion_root,
            min_amount: 0,
        };
        let payout = check_claim(
            &self.config,
            &self.roots,
            &self.prices,
            &self.funds,
            &facts,
            &req,
        )?;
        verify(&ClaimCheck {
            license_id,
            registry_root: &self.config.registry_root,
            exclusion_root,
            claimant: sender,
            option,
        })
        .map_err(RuleError::InvalidProof)?;
        // Every check passed: apply.
        if let Some(v) = apply_payout(&mut self.funds, &payout, now)? {
            self.vesting.entry(sender.to_string()).or_default().push(v);
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
        self.vesting
            .get_mut(beneficiary)
            .map(|v| v.iter_mut().map(|s| s.withdraw(now)).sum())
            .unwrap_or(0)
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
        let mut funds = Funds::new(DEFAULT_FUND_IFX);
        funds.deposit_ifx(DEFAULT_FUND_IFX).unwrap();
        funds.deposit_weth(10 * TOKEN_UNIT).unwrap();
        let mut s = State::new(config, ROOT_A, prices, funds);
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
        assert_eq!(
            s.funds.ifx_remaining(),
            DEFAULT_FUND_IFX - 4_000 * TOKEN_UNIT
        );
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
            s.funds.ifx_remaining(),
            DEFAULT_FUND_IFX,
            "wETH does not draw on the IFX fund"
        );
        assert_eq!(s.funds.weth_reserve, 10 * TOKEN_UNIT - 4 * TOKEN_UNIT / 10);
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
        s.funds.ifx_committed = DEFAULT_FUND_IFX - 3_999 * TOKEN_UNIT;
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
        assert!(s.roots.accepts(&ROOT_B, t + 5 * DAY, DAY));
        assert!(s.roots.accepts(&ROOT_A, t + DAY - 1, DAY));
        assert!(!s.roots.accepts(&ROOT_A, t + DAY, DAY));
        assert_eq!(
            s.claim(t + DAY, ALICE, 7, PayoutOption::Ifx, &ROOT_A, ok),
            Err(RuleError::StaleExclusionRoot)
        );
        assert!(s
            .claim(t + DAY - 1, ALICE, 8, PayoutOption::Ifx, &ROOT_A, ok)
            .is_ok());
        assert!(!s.roots.accepts(&[3; 32], t, DAY));
    }

    #[test]
    fn admin_only_actions() {
        let mut s = state();
        assert_eq!(
            s.register_license(BOB, 1, BOB, 1),
            Err(RuleError::Unauthorized)
        );
        assert_eq!(
            s.register_license(ADMIN, 1, BOB, 0),
            Err(RuleError::ZeroPrice)
        );
        assert_eq!(s.set_prices(BOB, s.prices), Err(RuleError::Unauthorized));
        assert_eq!(
            s.set_prices(ADMIN, Prices { ifx: 0, eth: 1 }),
            Err(RuleError::ZeroPrice)
        );
    }

    #[test]
    fn deposits_stop_at_the_fund_size_and_weth_reserve_is_checked() {
        let mut f = Funds::new(100);
        f.deposit_ifx(60).unwrap();
        assert_eq!(
            f.deposit_ifx(41),
            Err(RuleError::FundCapExceeded {
                size: 100,
                deposited: 60,
                amount: 41
            })
        );
        f.deposit_ifx(40).unwrap();
        assert_eq!(f.ifx_remaining(), 100);
        assert_eq!(
            f.check(&Payout::Weth { amount: 1 }),
            Err(RuleError::WethReserveShort {
                available: 0,
                needed: 1
            })
        );
        f.deposit_weth(5).unwrap();
        assert_eq!(
            apply_payout(&mut f, &Payout::Weth { amount: 5 }, 0),
            Ok(None)
        );
        assert_eq!(f.weth_reserve, 0);
        assert_eq!(
            apply_payout(&mut f, &Payout::Ifx { amount: 100 }, 9),
            Ok(Some(Vesting::new(100, 9)))
        );
        assert!(apply_payout(&mut f, &Payout::Ifx { amount: 1 }, 9).is_err());
        f.deposit_weth(1).unwrap();
        assert_eq!(f.deposit_weth(u128::MAX), Err(RuleError::Overflow));
    }

    #[test]
    fn rotation_refuses_the_current_root_and_forgets_expired_ones() {
        let mut r = ExclusionRoots::new(ROOT_A);
        assert_eq!(r.rotate(ROOT_A, 0, DAY), Err(RuleError::SameExclusionRoot));
        r.rotate(ROOT_B, 10, DAY).unwrap();
        r.rotate([3; 32], 20, DAY).unwrap();
        assert!(r.accepts(&ROOT_A, 10 + DAY - 1, DAY));
        assert!(r.accepts(&ROOT_B, 20 + DAY - 1, DAY));
        assert!(!r.accepts(&ROOT_B, 20 + DAY, DAY));
        r.rotate([4; 32], 10 + DAY, DAY).unwrap();
        // ROOT_A's grace ended at 10 + DAY: dropped.
        assert_eq!(
            r.previous.iter().map(|p| p.root[0]).collect::<Vec<_>>(),
            vec![2, 3]
        );
    }

    #[test]
    fn vesting_is_exact_for_huge_totals() {
        let v = Vesting::new(u128::MAX, 0);
        assert_eq!(v.vested(VESTING_PERIOD), u128::MAX);
        assert_eq!(v.vested(VESTING_PERIOD / 2), u128::MAX / 2);
        let mut w = Vesting::new(30, 100);
        assert_eq!(w.withdraw(100 + DAY), 1);
        assert_eq!(w.withdraw(100 + DAY), 0);
        assert_eq!(w.withdraw(u64::MAX), 29);
    }

    #[test]
    fn minimum_amount_and_sweep() {
        let s = state();
        let facts = LicenseFacts {
            owner: Some(ALICE),
            purchase_usdt: Some(PRICE),
            claimed: false,
        };
        let mut req = ClaimRequest {
            now: open(&s),
            sender: ALICE,
            license_id: 7,
            option: PayoutOption::Ifx,
            exclusion_root: &ROOT_A,
            min_amount: 4_000 * TOKEN_UNIT,
        };
        let check = |req: &ClaimRequest<'_>| {
            check_claim(&s.config, &s.roots, &s.prices, &s.funds, &facts, req)
        };
        assert!(check(&req).is_ok());
        req.min_amount += 1;
        assert_eq!(
            check(&req),
            Err(RuleError::BelowMinimum {
                amount: 4_000 * TOKEN_UNIT,
                min_amount: 4_000 * TOKEN_UNIT + 1
            })
        );
        let (_, close) = s.config.window();
        assert_eq!(
            s.config.require_window_closed(close - 1),
            Err(RuleError::WindowNotClosed { close })
        );
        assert!(s.config.require_window_closed(close).is_ok());
        let mut f = Funds::new(100);
        f.deposit_ifx(100).unwrap();
        f.deposit_weth(7).unwrap();
        apply_payout(&mut f, &Payout::Ifx { amount: 30 }, 0).unwrap();
        assert_eq!(f.sweep(), (70, 7));
        assert_eq!(
            (f.ifx_remaining(), f.weth_reserve, f.ifx_committed),
            (0, 0, 30)
        );
    }
}
