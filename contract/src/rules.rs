//! Runtime-agnostic rules of the buyback program.
//!
//! Pure functions over small values ([`check_claim`], [`apply_payout`],
//! [`quote`], [`ExclusionRoots`], [`Funds`], [`Vesting`],
//! [`window_from_tge`]) that any host can call with what it loaded from its
//! own storage. The tests drive them through a small in-memory host.
//!
//! The program's published rules, and where each one lives:
//!
//! * "participation rate of over 66.7%": strictly over
//!   [`PROGRAM_THRESHOLD_NUM`]/[`PROGRAM_THRESHOLD_DEN`], proven by the
//!   circuit; an instantiation may raise the threshold, never lower it
//!   ([`check_threshold`]);
//! * "starting six months after the TGE", 7 days: [`window_from_tge`]
//!   ([`WINDOW_DELAY_MONTHS`] calendar months, [`WINDOW_LENGTH`]); the
//!   admin may extend the close ([`Config::extend_window`]), never shorten
//!   it;
//! * 100% in IFX vested linearly over 30 days, or 80% in wETH at once
//!   ([`IFX_SHARE_PERCENT`], [`VESTING_PERIOD`], [`WETH_SHARE_PERCENT`]);
//! * a fund of 10,000,000 IFX ([`FUND_SIZE_WHOLE_IFX`], in the token's own
//!   units: [`fund_size`]).
//!
//! Units: times are seconds since the Unix epoch; USDT amounts and prices
//! have [`USDT_DECIMALS`] decimals; IFX and wETH amounts are in the base
//! units of their tokens, whose decimals the host reads from the tokens
//! ([`TokenDecimals`]); prices are USDT units per whole token. Every
//! division rounds down, in favour of the fund.

use thiserror::Error;

/// Decimals of USDT amounts and prices.
pub const USDT_DECIMALS: u32 = 6;
/// Most decimals a token may have (more is refused as absurd: no real
/// cw20 token has them, and amounts would overflow).
pub const MAX_TOKEN_DECIMALS: u8 = 24;
/// Seconds per day.
pub const DAY: u64 = 86_400;
/// The window opens this many calendar months after the TGE.
pub const WINDOW_DELAY_MONTHS: u32 = 6;
/// Length of the claim window (7 days).
pub const WINDOW_LENGTH: u64 = 7 * DAY;
/// How far the admin may push the window's close past the program's
/// (after a chain halt, say).
pub const MAX_WINDOW_EXTENSION: u64 = 30 * DAY;
/// Longest grace period of a replaced exclusion root (and the default):
/// a newly blacklisted license can claim with an older root for at most
/// this long.
pub const MAX_GRACE_PERIOD: u64 = DAY;
/// Default age after which IFX/USDT and ETH/USDT prices are stale.
pub const DEFAULT_PRICE_MAX_AGE: u64 = 60 * 60;
/// The least a configured price bound may be.
pub const MIN_PRICE_MAX_AGE: u64 = 60;
/// The most a configured price bound may be.
pub const MAX_PRICE_MAX_AGE: u64 = DAY;
/// Vesting period of the IFX payout (30 days).
pub const VESTING_PERIOD: u64 = 30 * DAY;
/// Share of the purchase price paid in IFX, in percent.
pub const IFX_SHARE_PERCENT: u128 = 100;
/// Share of the purchase price paid in wETH, in percent.
pub const WETH_SHARE_PERCENT: u128 = 80;
/// Size of the Guaranteed Node Buyback Fund, in whole IFX.
pub const FUND_SIZE_WHOLE_IFX: u128 = 10_000_000;
/// The program's threshold numerator: eligible strictly over 667/1000.
pub const PROGRAM_THRESHOLD_NUM: u64 = 667;
/// The program's threshold denominator.
pub const PROGRAM_THRESHOLD_DEN: u64 = 1000;
/// One whole token of 18 decimals in base units (IFX and wETH as
/// deployed; tests use it).
pub const TOKEN_UNIT: u128 = 1_000_000_000_000_000_000;
/// A hundred percent.
const PERCENT: u128 = 100;

/// A 32-byte root (registry or exclusion tree), as published.
pub type Root = [u8; 32];

/// The payout option: the statement's own type (the one the claim context
/// hashes), so the rules and the proofs cannot disagree on it.
pub use eligo_circuits::PayoutOption;

/// Decimals of the two payout tokens, as their cw20 `token_info` reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenDecimals {
    /// IFX.
    pub ifx: u8,
    /// wETH.
    pub weth: u8,
}

impl TokenDecimals {
    /// Refuses decimals above [`MAX_TOKEN_DECIMALS`].
    pub fn validate(&self) -> Result<(), RuleError> {
        for (token, decimals) in [("IFX", self.ifx), ("wETH", self.weth)] {
            if decimals > MAX_TOKEN_DECIMALS {
                return Err(RuleError::AbsurdDecimals { token, decimals });
            }
        }
        Ok(())
    }
}

/// `10^decimals`.
fn unit(decimals: u8) -> Result<u128, RuleError> {
    10u128
        .checked_pow(u32::from(decimals))
        .ok_or(RuleError::Overflow)
}

/// The fund's size in IFX base units: 10,000,000 IFX.
pub fn fund_size(ifx_decimals: u8) -> Result<u128, RuleError> {
    FUND_SIZE_WHOLE_IFX
        .checked_mul(unit(ifx_decimals)?)
        .ok_or(RuleError::Overflow)
}

/// Refuses a threshold below the program's: `num/den` must be at least
/// 667/1000 (the circuit then proves participation strictly over it).
pub fn check_threshold(num: u64, den: u64) -> Result<(), RuleError> {
    if den == 0
        || u128::from(num) * u128::from(PROGRAM_THRESHOLD_DEN)
            < u128::from(PROGRAM_THRESHOLD_NUM) * u128::from(den)
    {
        return Err(RuleError::WeakerThanProgram {
            term: "threshold",
            program: format!("over {PROGRAM_THRESHOLD_NUM}/{PROGRAM_THRESHOLD_DEN}"),
            given: format!("{num}/{den}"),
        });
    }
    Ok(())
}

/// Whether `year` is a Gregorian leap year.
fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Days of month `month` (1–12) of `year`.
fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a proleptic Gregorian date (the usual
/// era-of-400-years reckoning, March-based years).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((month + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count from 1970-01-01: `(year, month, day)`.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    // Both casts are of values in 1..=31 and 1..=12.
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `t` plus `months` calendar months, in UTC: the same day of the month
/// and time of day, clamped to the month's last day (08-31 plus six
/// months is 02-28, or 02-29 in a leap year). `None` past year 9999.
pub fn add_calendar_months(t: u64, months: u32) -> Option<u64> {
    /// Last year the program's clock reads.
    const LAST_YEAR: i64 = 9_999;
    let days = i64::try_from(t / DAY).ok()?;
    let (year, month, day) = civil_from_days(days);
    let index = year * 12 + i64::from(month - 1) + i64::from(months);
    let (year, month) = (index.div_euclid(12), (index.rem_euclid(12) + 1) as u32);
    if year > LAST_YEAR {
        return None;
    }
    let day = day.min(days_in_month(year, month));
    let days = u64::try_from(days_from_civil(year, month, day)).ok()?;
    days.checked_mul(DAY)?.checked_add(t % DAY)
}

/// The program's window `[open, close)` for a TGE at `tge`: it opens six
/// calendar months after the TGE ([`add_calendar_months`]) and lasts 7
/// days. `None` for a TGE past year 9999.
pub fn window_from_tge(tge: u64) -> Option<(u64, u64)> {
    let open = add_calendar_months(tge, WINDOW_DELAY_MONTHS)?;
    Some((open, open.checked_add(WINDOW_LENGTH)?))
}

/// Program configuration, fixed at instantiation but for the window's
/// close (which only moves later, [`Config::extend_window`]) and the
/// admin (two steps: propose, accept).
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
    /// The window opens here ([`window_from_tge`]).
    pub window_open: u64,
    /// The window closes here (the program's close, or later if extended).
    pub window_close: u64,
    /// How long a replaced exclusion root is still accepted.
    pub grace_period: u64,
    /// Prices older than this refuse claims.
    pub price_max_age: u64,
    /// Claims are paused (vesting withdrawals never are).
    pub paused: bool,
    /// Decimals of the payout tokens.
    pub decimals: TokenDecimals,
}

impl Config {
    /// `[open, close)` of the claim window.
    pub fn window(&self) -> (u64, u64) {
        (self.window_open, self.window_close)
    }

    /// Refuses while the window has not closed.
    pub fn require_window_closed(&self, now: u64) -> Result<(), RuleError> {
        if now < self.window_close {
            return Err(RuleError::WindowNotClosed {
                close: self.window_close,
            });
        }
        Ok(())
    }

    /// Refuses once the window has opened (purchase prices freeze then).
    pub fn require_before_window(&self, now: u64) -> Result<(), RuleError> {
        if now >= self.window_open {
            return Err(RuleError::PurchasePricesFrozen {
                open: self.window_open,
            });
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

    /// Moves the window's close to `close`: later than now, never earlier
    /// than the current close, at most [`MAX_WINDOW_EXTENSION`] past the
    /// program's. `swept`: leftovers were already swept (the window can no
    /// longer reopen).
    pub fn extend_window(&mut self, close: u64, now: u64, swept: bool) -> Result<(), RuleError> {
        let program_close = self.window_open.saturating_add(WINDOW_LENGTH);
        let latest = program_close.saturating_add(MAX_WINDOW_EXTENSION);
        if swept {
            return Err(RuleError::BadExtension {
                close,
                reason: "leftovers were already swept".into(),
            });
        }
        if close <= self.window_close {
            return Err(RuleError::BadExtension {
                close,
                reason: format!(
                    "the window closes at {}: it may be extended, never shortened",
                    self.window_close
                ),
            });
        }
        if close <= now {
            return Err(RuleError::BadExtension {
                close,
                reason: format!("that is not in the future (it is {now})"),
            });
        }
        if close > latest {
            return Err(RuleError::BadExtension {
                close,
                reason: format!(
                    "the program allows at most {} days past its close, {latest}",
                    MAX_WINDOW_EXTENSION / DAY
                ),
            });
        }
        self.window_close = close;
        Ok(())
    }
}

/// Token prices in USDT units per whole token, and when they were read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Prices {
    /// IFX/USDT.
    pub ifx: u128,
    /// ETH/USDT.
    pub eth: u128,
    /// When the prices were read (seconds since the epoch).
    pub as_of: u64,
}

impl Prices {
    /// Refuses a zero price, or prices read in the future.
    pub fn validate(&self, now: u64) -> Result<(), RuleError> {
        if self.ifx == 0 || self.eth == 0 {
            return Err(RuleError::ZeroPrice);
        }
        if self.as_of > now {
            return Err(RuleError::PricesFromTheFuture {
                as_of: self.as_of,
                now,
            });
        }
        Ok(())
    }

    /// Refuses prices older than `max_age` at `now`.
    pub fn require_fresh(&self, now: u64, max_age: u64) -> Result<(), RuleError> {
        if now.saturating_sub(self.as_of) > max_age {
            return Err(RuleError::PricesStale {
                as_of: self.as_of,
                max_age,
                now,
            });
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
    /// Claims are paused by the admin.
    #[error("claims are paused by the admin (vesting withdrawals are not)")]
    Paused,
    /// The IFX/USDT and ETH/USDT prices are too old to pay a claim with.
    #[error("prices are stale: read at {as_of}, it is {now}, and claims need prices at most {max_age} s old")]
    PricesStale {
        /// When the prices were read.
        as_of: u64,
        /// The configured bound.
        max_age: u64,
        /// Now.
        now: u64,
    },
    /// Prices read later than the block time.
    #[error("prices read at {as_of} are in the future (it is {now})")]
    PricesFromTheFuture {
        /// When the prices say they were read.
        as_of: u64,
        /// Now.
        now: u64,
    },
    /// Prices older than the ones they would replace.
    #[error("prices read at {as_of} are older than the current ones, read at {current}")]
    OlderPrices {
        /// When the new prices were read.
        as_of: u64,
        /// When the current ones were read.
        current: u64,
    },
    /// Purchase prices cannot change once the window has opened.
    #[error("purchase prices are frozen since the window opened at {open}")]
    PurchasePricesFrozen {
        /// Opening time.
        open: u64,
    },
    /// A window extension that is not one.
    #[error("the window cannot close at {close}: {reason}")]
    BadExtension {
        /// The asked close.
        close: u64,
        /// Why not.
        reason: String,
    },
    /// A configuration weaker than the program's rules.
    #[error("{term}: the program's is {program}, this configuration asks for {given}")]
    WeakerThanProgram {
        /// The term of the program.
        term: &'static str,
        /// What the program says.
        program: String,
        /// What was asked.
        given: String,
    },
    /// A token with absurd decimals.
    #[error("{token} reports {decimals} decimals; the program takes at most {MAX_TOKEN_DECIMALS}")]
    AbsurdDecimals {
        /// Which token.
        token: &'static str,
        /// Its decimals.
        decimals: u8,
    },
    /// A claim without a positive minimum.
    #[error("min_amount must be positive: ask the quote query what the claim pays now")]
    NoMinimum,
    /// Accepting the admin role nobody offered.
    #[error("no admin hand-over is pending")]
    NoPendingAdmin,
    /// Accepting the admin role offered to someone else.
    #[error("the admin role was offered to {pending}, not to {sender}")]
    NotPendingAdmin {
        /// Who may accept.
        pending: String,
        /// Who tried.
        sender: String,
    },
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
    /// IFX withdrawn by beneficiaries.
    pub ifx_withdrawn: u128,
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
            ifx_withdrawn: 0,
            weth_reserve: 0,
        }
    }
    /// IFX promised and not yet withdrawn: what vesting still owes.
    pub fn ifx_owed(&self) -> u128 {
        self.ifx_committed - self.ifx_withdrawn
    }
    /// Records a vesting withdrawal.
    pub fn withdraw_ifx(&mut self, amount: u128) -> Result<(), RuleError> {
        let withdrawn = self
            .ifx_withdrawn
            .checked_add(amount)
            .filter(|w| *w <= self.ifx_committed)
            .ok_or(RuleError::Overflow)?;
        self.ifx_withdrawn = withdrawn;
        Ok(())
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
    /// Takes out everything no claim is owed, given the contract's token
    /// balances: all the IFX but what vesting still owes (so IFX sent by a
    /// plain transfer is recovered too), and all the wETH. Returns
    /// `(ifx, weth)`; afterwards the fund has nothing left for claims.
    pub fn sweep(&mut self, ifx_balance: u128, weth_balance: u128) -> (u128, u128) {
        let ifx = ifx_balance.saturating_sub(self.ifx_owed());
        self.ifx_deposited = self.ifx_committed;
        self.weth_reserve = 0;
        (ifx, weth_balance)
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

/// IFX owed for a purchase price: `100% * price * 10^decimals / ifx_price`,
/// rounded down.
pub fn ifx_amount(purchase_usdt: u128, prices: &Prices, decimals: u8) -> Result<u128, RuleError> {
    share(purchase_usdt, IFX_SHARE_PERCENT, prices.ifx, decimals)
}

/// wETH owed: `80% * price * 10^decimals / eth_price`, rounded down.
pub fn weth_amount(purchase_usdt: u128, prices: &Prices, decimals: u8) -> Result<u128, RuleError> {
    share(purchase_usdt, WETH_SHARE_PERCENT, prices.eth, decimals)
}

/// `percent% * purchase * 10^decimals / price`, rounded down.
fn share(purchase_usdt: u128, percent: u128, price: u128, decimals: u8) -> Result<u128, RuleError> {
    if price == 0 {
        return Err(RuleError::ZeroPrice);
    }
    purchase_usdt
        .checked_mul(percent)
        .and_then(|v| v.checked_mul(unit(decimals).ok()?))
        .map(|v| v / PERCENT / price)
        .ok_or(RuleError::Overflow)
}

/// What a claim of a license bought for `purchase_usdt` pays in `option`
/// at `prices`: the one computation both a claim and the quote use.
pub fn payout(
    option: PayoutOption,
    purchase_usdt: u128,
    prices: &Prices,
    decimals: &TokenDecimals,
) -> Result<Payout, RuleError> {
    Ok(match option {
        PayoutOption::Ifx => Payout::Ifx {
            amount: ifx_amount(purchase_usdt, prices, decimals.ifx)?,
        },
        PayoutOption::Weth => Payout::Weth {
            amount: weth_amount(purchase_usdt, prices, decimals.weth)?,
        },
    })
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
    /// must be positive). Protects against a price change landing first.
    pub min_amount: u128,
}

/// The rules that refuse any claim of a license now, whoever sends it, in
/// order: pause, window, replay.
fn require_claims_open(
    config: &Config,
    license: &LicenseFacts<'_>,
    license_id: u64,
    now: u64,
) -> Result<(), RuleError> {
    if config.paused {
        return Err(RuleError::Paused);
    }
    let (open, close) = config.window();
    if now < open {
        return Err(RuleError::WindowNotOpen { open, now });
    }
    if now >= close {
        return Err(RuleError::WindowClosed { close, now });
    }
    if license.claimed {
        return Err(RuleError::AlreadyClaimed(license_id));
    }
    Ok(())
}

/// Every rule of a claim except the proof, in a fixed order: pause,
/// window, replay, unknown license, ownership, exclusion root, minimum
/// given, fresh prices, amount, minimum met, funds.
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
    require_claims_open(config, license, req.license_id, req.now)?;
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
    if req.min_amount == 0 {
        return Err(RuleError::NoMinimum);
    }
    prices.require_fresh(req.now, config.price_max_age)?;
    let payout = payout(req.option, price, prices, &config.decimals)?;
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

/// What a claim of a license would pay now, and the first rule that
/// would refuse it whoever claims (pause, window, replay, stale prices,
/// funds): the `quote` query's answer. `Err` when no amount can be
/// computed (an unknown license, absurd prices).
/// (The license's owner plays no part.)
pub fn quote(
    config: &Config,
    prices: &Prices,
    funds: &Funds,
    license: &LicenseFacts<'_>,
    license_id: u64,
    option: PayoutOption,
    now: u64,
) -> Result<(Payout, Option<RuleError>), RuleError> {
    let purchase = license
        .purchase_usdt
        .ok_or(RuleError::UnknownLicense(license_id))?;
    let payout = payout(option, purchase, prices, &config.decimals)?;
    let refusal = require_claims_open(config, license, license_id, now)
        .and_then(|()| prices.require_fresh(now, config.price_max_age))
        .and_then(|()| funds.check(&payout))
        .err();
    Ok((payout, refusal))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// An in-memory host of the rules (the reference the tests drive).
    #[derive(Clone, Debug, PartialEq, Eq)]
    struct State {
        /// Configuration.
        config: Config,
        /// Exclusion roots.
        roots: ExclusionRoots,
        /// Current prices.
        prices: Prices,
        /// Fund and reserve.
        funds: Funds,
        /// Purchase price of each license, in USDT units.
        purchase_prices: BTreeMap<u64, u128>,
        /// Owner of each license.
        owners: BTreeMap<u64, String>,
        /// Claimed licenses and what they paid.
        claimed: BTreeMap<u64, Payout>,
        /// IFX vesting schedules by beneficiary.
        vesting: BTreeMap<String, Vec<Vesting>>,
    }

    impl State {
        /// A fresh state with the given funds.
        fn new(config: Config, exclusion_root: Root, prices: Prices, funds: Funds) -> Self {
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
        fn register_license(
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
        fn set_prices(&mut self, sender: &str, prices: Prices, now: u64) -> Result<(), RuleError> {
            self.config.require_admin(sender)?;
            prices.validate(now)?;
            self.prices = prices;
            Ok(())
        }

        /// Admin: replaces the exclusion root (the blacklist grows). The old
        /// root stays acceptable for the grace period from `now`.
        fn rotate_exclusion_root(
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
        fn claim(
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
                min_amount: 1,
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
        fn claimable(&self, beneficiary: &str, now: u64) -> u128 {
            self.vesting
                .get(beneficiary)
                .map(|v| v.iter().map(|s| s.claimable(now)).sum())
                .unwrap_or(0)
        }

        /// Withdraws everything vested; returns the amount.
        fn withdraw_vested(&mut self, beneficiary: &str, now: u64) -> u128 {
            let amount = self
                .vesting
                .get_mut(beneficiary)
                .map(|v| v.iter_mut().map(|s| s.withdraw(now)).sum())
                .unwrap_or(0);
            self.funds.withdraw_ifx(amount).expect("vesting owes it");
            amount
        }
    }

    const TGE: u64 = 1_700_000_000;
    const ADMIN: &str = "admin";
    const ALICE: &str = "alice";
    const BOB: &str = "bob";
    const ROOT_A: Root = [1; 32];
    const ROOT_B: Root = [2; 32];
    /// A license bought for 1,000 USDT.
    const PRICE: u128 = 1_000 * 1_000_000;
    /// Both tokens with 18 decimals.
    const DECIMALS: TokenDecimals = TokenDecimals { ifx: 18, weth: 18 };
    /// 10,000,000 IFX of 18 decimals.
    const FUND: u128 = FUND_SIZE_WHOLE_IFX * TOKEN_UNIT;

    fn state() -> State {
        let (window_open, window_close) = window_from_tge(TGE).unwrap();
        let config = Config {
            admin: ADMIN.into(),
            treasury: "treasury".into(),
            program_id: "gnb".into(),
            registry_root: [9; 32],
            tge: TGE,
            window_open,
            window_close,
            grace_period: DAY,
            // Long enough for the tests' clocks.
            price_max_age: MAX_PRICE_MAX_AGE * 100,
            paused: false,
            decimals: DECIMALS,
        };
        // IFX at 0.25 USDT, ETH at 2,000 USDT.
        let prices = Prices {
            ifx: 250_000,
            eth: 2_000 * 1_000_000,
            as_of: window_open,
        };
        let mut funds = Funds::new(FUND);
        funds.deposit_ifx(FUND).unwrap();
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
        assert_eq!(s.funds.ifx_remaining(), FUND - 4_000 * TOKEN_UNIT);
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
            FUND,
            "wETH does not draw on the IFX fund"
        );
        assert_eq!(s.funds.weth_reserve, 10 * TOKEN_UNIT - 4 * TOKEN_UNIT / 10);
        assert_eq!(s.claimable(ALICE, open(&s) + 40 * DAY), 0);
    }

    #[test]
    fn rounding_favours_the_fund() {
        let prices = Prices {
            ifx: 3,
            eth: 3,
            as_of: 0,
        };
        assert_eq!(ifx_amount(1, &prices, 18).unwrap(), TOKEN_UNIT / 3);
        assert_eq!(
            weth_amount(1, &prices, 18).unwrap(),
            (80 * TOKEN_UNIT / 100) / 3
        );
        // Decimals are the token's: 6 decimals pay 10^12 times fewer units.
        assert_eq!(ifx_amount(3, &prices, 6).unwrap(), 1_000_000);
        let v = Vesting {
            total: 10,
            start: 0,
            withdrawn: 0,
        };
        assert_eq!(v.vested(VESTING_PERIOD / 3), 3);
        let zero = Prices {
            ifx: 0,
            eth: 1,
            as_of: 0,
        };
        assert!(ifx_amount(1, &zero, 18).is_err());
        assert_eq!(ifx_amount(u128::MAX, &prices, 18), Err(RuleError::Overflow));
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
        s.funds.ifx_committed = FUND - 3_999 * TOKEN_UNIT;
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
        let now = s.prices.as_of;
        assert_eq!(
            s.set_prices(BOB, s.prices, now),
            Err(RuleError::Unauthorized)
        );
        let zero = Prices {
            ifx: 0,
            eth: 1,
            as_of: now,
        };
        assert_eq!(s.set_prices(ADMIN, zero, now), Err(RuleError::ZeroPrice));
        let later = Prices {
            as_of: now + 1,
            ..s.prices
        };
        assert_eq!(
            s.set_prices(ADMIN, later, now),
            Err(RuleError::PricesFromTheFuture {
                as_of: now + 1,
                now
            })
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
        f.withdraw_ifx(10).unwrap();
        // The balance: 100 deposited, 10 withdrawn, 5 sent by a plain
        // transfer; vesting still owes 20.
        assert_eq!(f.sweep(95, 9), (75, 9));
        assert_eq!(
            (f.ifx_remaining(), f.weth_reserve, f.ifx_owed()),
            (0, 0, 20)
        );
        // Nothing but what is owed, even from a short balance.
        assert_eq!(f.sweep(15, 0), (0, 0));
        assert_eq!(f.withdraw_ifx(21), Err(RuleError::Overflow));
    }
}

#[cfg(test)]
mod program_tests {
    use super::*;

    fn config() -> Config {
        let tge = 1_767_225_600; // 2026-01-01
        let (window_open, window_close) = window_from_tge(tge).unwrap();
        Config {
            admin: "admin".into(),
            treasury: "treasury".into(),
            program_id: "gnb".into(),
            registry_root: [9; 32],
            tge,
            window_open,
            window_close,
            grace_period: DAY,
            price_max_age: DEFAULT_PRICE_MAX_AGE,
            paused: false,
            decimals: TokenDecimals { ifx: 18, weth: 18 },
        }
    }

    #[test]
    fn the_threshold_may_rise_but_never_fall_below_667_per_mille() {
        assert!(check_threshold(667, 1000).is_ok());
        assert!(check_threshold(3, 4).is_ok());
        assert!(check_threshold(7, 10).is_ok());
        assert!(check_threshold(1, 1).is_ok());
        for (num, den) in [
            (666, 1000),
            (2, 3),
            (1, 1000),
            (0, 1),
            (6_669, 10_000),
            (1, 0),
        ] {
            assert!(
                matches!(
                    check_threshold(num, den),
                    Err(RuleError::WeakerThanProgram {
                        term: "threshold",
                        ..
                    })
                ),
                "{num}/{den}"
            );
        }
    }

    #[test]
    fn the_window_moves_later_only_and_not_far() {
        let mut c = config();
        let (open, close) = c.window();
        assert_eq!(close - open, WINDOW_LENGTH);
        for bad in [close, close - 1, open] {
            assert!(matches!(
                c.extend_window(bad, open, false),
                Err(RuleError::BadExtension { .. })
            ));
        }
        let latest = close + MAX_WINDOW_EXTENSION;
        assert!(c.extend_window(latest + 1, open, false).is_err());
        assert!(
            c.extend_window(close + DAY, close + DAY, false).is_err(),
            "not in the past"
        );
        assert!(
            c.extend_window(close + DAY, open, true).is_err(),
            "not after a sweep"
        );
        c.extend_window(close + DAY, close + 60, false).unwrap();
        assert_eq!(c.window(), (open, close + DAY));
        assert!(c.extend_window(close + 1, open, false).is_err(), "shorter");
        c.extend_window(latest, open, false).unwrap();
        assert_eq!(c.window(), (open, latest));
    }

    #[test]
    fn decimals_are_read_and_absurd_ones_refused() {
        assert_eq!(fund_size(18), Ok(10_000_000 * TOKEN_UNIT));
        assert_eq!(fund_size(6), Ok(10_000_000 * 1_000_000));
        assert_eq!(fund_size(0), Ok(10_000_000));
        let ok = TokenDecimals { ifx: 6, weth: 24 };
        assert!(ok.validate().is_ok());
        assert_eq!(
            TokenDecimals { ifx: 25, weth: 18 }.validate(),
            Err(RuleError::AbsurdDecimals {
                token: "IFX",
                decimals: 25
            })
        );
        assert_eq!(
            TokenDecimals { ifx: 18, weth: 255 }.validate(),
            Err(RuleError::AbsurdDecimals {
                token: "wETH",
                decimals: 255
            })
        );
        // 1,000 USDT at 0.25 USDT/IFX is 4,000 IFX in either token.
        let prices = Prices {
            ifx: 250_000,
            eth: 2_000_000_000,
            as_of: 0,
        };
        assert_eq!(ifx_amount(1_000_000_000, &prices, 6), Ok(4_000_000_000));
        assert_eq!(
            ifx_amount(1_000_000_000, &prices, 18),
            Ok(4_000 * TOKEN_UNIT)
        );
    }

    fn request<'a>(now: u64, root: &'a Root) -> ClaimRequest<'a> {
        ClaimRequest {
            now,
            sender: "alice",
            license_id: 7,
            option: PayoutOption::Ifx,
            exclusion_root: root,
            min_amount: 1,
        }
    }

    #[test]
    fn claims_need_fresh_prices_a_minimum_and_no_pause() {
        let mut c = config();
        let root = [1; 32];
        let roots = ExclusionRoots::new(root);
        let (open, _) = c.window();
        let prices = Prices {
            ifx: 250_000,
            eth: 2_000_000_000,
            as_of: open,
        };
        let mut funds = Funds::new(fund_size(18).unwrap());
        funds.deposit_ifx(funds.ifx_size).unwrap();
        let facts = LicenseFacts {
            owner: Some("alice"),
            purchase_usdt: Some(1_000_000_000),
            claimed: false,
        };
        let fresh = open + DEFAULT_PRICE_MAX_AGE;
        let check = |c: &Config, req: &ClaimRequest<'_>| {
            check_claim(c, &roots, &prices, &funds, &facts, req)
        };
        assert_eq!(
            check(&c, &request(fresh, &root)),
            Ok(Payout::Ifx {
                amount: 4_000 * TOKEN_UNIT
            })
        );
        assert_eq!(
            check(&c, &request(fresh + 1, &root)),
            Err(RuleError::PricesStale {
                as_of: open,
                max_age: DEFAULT_PRICE_MAX_AGE,
                now: fresh + 1
            })
        );
        let no_min = ClaimRequest {
            min_amount: 0,
            ..request(open, &root)
        };
        assert_eq!(check(&c, &no_min), Err(RuleError::NoMinimum));
        c.paused = true;
        assert_eq!(check(&c, &request(open, &root)), Err(RuleError::Paused));
        // The quote is the claim's amount, with the same refusals.
        c.paused = false;
        let q = |c: &Config, now| quote(c, &prices, &funds, &facts, 7, PayoutOption::Ifx, now);
        assert_eq!(
            q(&c, fresh),
            Ok((
                Payout::Ifx {
                    amount: 4_000 * TOKEN_UNIT
                },
                None
            ))
        );
        assert!(matches!(
            q(&c, fresh + 1),
            Ok((_, Some(RuleError::PricesStale { .. })))
        ));
        assert!(matches!(
            q(&c, open - 1),
            Ok((_, Some(RuleError::WindowNotOpen { .. })))
        ));
        c.paused = true;
        assert!(matches!(q(&c, open), Ok((_, Some(RuleError::Paused)))));
        assert_eq!(
            quote(
                &c,
                &prices,
                &funds,
                &LicenseFacts {
                    purchase_usdt: None,
                    ..facts
                },
                7,
                PayoutOption::Ifx,
                open
            ),
            Err(RuleError::UnknownLicense(7))
        );
    }

    #[test]
    fn purchase_prices_freeze_when_the_window_opens() {
        let c = config();
        let (open, _) = c.window();
        assert!(c.require_before_window(open - 1).is_ok());
        assert_eq!(
            c.require_before_window(open),
            Err(RuleError::PurchasePricesFrozen { open })
        );
    }
}

#[cfg(test)]
mod calendar_tests {
    use super::*;
    use chrono::{DateTime, Months, NaiveDate};
    use proptest::prelude::*;

    /// Seconds of a UTC date and time.
    fn at(y: i32, m: u32, d: u32, hh: u32, mm: u32, ss: u32) -> u64 {
        let t = NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(hh, mm, ss)
            .unwrap()
            .and_utc()
            .timestamp();
        u64::try_from(t).unwrap()
    }

    #[test]
    fn six_calendar_months_on_several_tges() {
        for (tge, open) in [
            // The audit's example: 182 days would open on 07-02.
            (at(2026, 1, 1, 0, 0, 0), at(2026, 7, 1, 0, 0, 0)),
            // The same time of day.
            (at(2026, 12, 15, 12, 34, 56), at(2027, 6, 15, 12, 34, 56)),
            // Month ends clamp: 08-31 to 02-28, or 02-29 in a leap year.
            (at(2025, 8, 31, 9, 0, 0), at(2026, 2, 28, 9, 0, 0)),
            (at(2023, 8, 31, 23, 59, 59), at(2024, 2, 29, 23, 59, 59)),
            (at(2026, 3, 31, 0, 0, 0), at(2026, 9, 30, 0, 0, 0)),
            (at(2026, 5, 31, 0, 0, 0), at(2026, 11, 30, 0, 0, 0)),
            // A leap day TGE, and a century that is not leap.
            (at(2024, 2, 29, 6, 0, 0), at(2024, 8, 29, 6, 0, 0)),
            (at(2099, 8, 30, 0, 0, 0), at(2100, 2, 28, 0, 0, 0)),
            (at(2399, 8, 30, 0, 0, 0), at(2400, 2, 29, 0, 0, 0)),
        ] {
            assert_eq!(add_calendar_months(tge, WINDOW_DELAY_MONTHS), Some(open));
            assert_eq!(window_from_tge(tge), Some((open, open + WINDOW_LENGTH)));
        }
        assert_eq!(add_calendar_months(0, 6), Some(at(1970, 7, 1, 0, 0, 0)));
        assert_eq!(add_calendar_months(at(9999, 7, 1, 0, 0, 0), 6), None);
        assert_eq!(add_calendar_months(u64::MAX, 6), None);
    }

    #[test]
    fn the_calendar_vectors_of_the_protocol_hold() {
        let doc = include_str!("../../docs/protocol.md");
        let start = doc.find("**Six calendar months.**").expect("the section");
        let rows: Vec<(u64, u64)> = doc[start..]
            .lines()
            .skip_while(|l| !l.starts_with("| TGE (UTC)"))
            .skip(2)
            .take_while(|l| l.starts_with('|'))
            .map(|l| {
                let cells: Vec<&str> = l.split('|').map(str::trim).collect();
                (cells[2].parse().unwrap(), cells[4].parse().unwrap())
            })
            .collect();
        assert_eq!(rows.len(), 5);
        for (tge, open) in rows {
            assert_eq!(add_calendar_months(tge, WINDOW_DELAY_MONTHS), Some(open));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 4096,
            rng_seed: proptest::test_runner::RngSeed::Fixed(0xe1160),
            ..ProptestConfig::default()
        })]
        /// chrono's `checked_add_months` clamps the same way: the oracle.
        #[test]
        fn add_calendar_months_is_chronos(t in 0u64..253_402_300_799, months in 0u32..1200) {
            let want = DateTime::from_timestamp(i64::try_from(t).unwrap(), 0)
                .unwrap()
                .checked_add_months(Months::new(months))
                .map(|d| d.timestamp())
                .filter(|s| *s <= 253_402_300_799)
                .map(|s| u64::try_from(s).unwrap());
            prop_assert_eq!(add_calendar_months(t, months), want);
        }
    }
}
