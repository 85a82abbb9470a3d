//! Entry points: each handler loads what the rules need, calls them, and
//! stores the result. No program rule is decided here.

use cosmwasm_std::{
    from_json, to_json_binary, Addr, Binary, Deps, DepsMut, Empty, Env, Event, MessageInfo, Order,
    Response, StdResult, Uint128, WasmMsg,
};
use cw20::{BalanceResponse, Cw20ExecuteMsg, Cw20QueryMsg, Cw20ReceiveMsg, TokenInfoResponse};
use cw721::helpers::EmptyCw721Helper;
use cw721::msg::{Cw721ExecuteMsg, Cw721QueryMsg, OperatorResponse, OwnerOfResponse};
use cw721::traits::Cw721Calls;
use cw_storage_plus::Bound;
use eligo_circuits::{layout, Threshold};

use crate::error::ContractError;
use crate::msg::{
    ClaimItem, ClaimRecord, ClaimStatusResponse, ConfigResponse, ExclusionRootsResponse,
    ExecuteMsg, FundResponse, InstantiateMsg, PayoutOption, PayoutTermsMsg, PricesMsg, QueryMsg,
    QuoteResponse, ReceiveMsg, ReplacedRootResponse, ScheduleResponse, ThresholdMsg,
    VestingResponse, MAX_BATCH_CLAIMS,
};
use crate::proof::{self, parse_root, root_hex};
use crate::rules::{
    self, apply_payout, check_claim, ClaimRequest, ExclusionRoots, Funds, LicenseFacts, Payout,
    Prices, DEFAULT_PRICE_MAX_AGE, MAX_GRACE_PERIOD, MAX_PRICE_MAX_AGE, MIN_PRICE_MAX_AGE,
    VESTING_PERIOD,
};
use crate::state::{
    save_blob, StoredConfig, StoredFunds, StoredPrices, StoredRoots, StoredVesting, CLAIMS, CONFIG,
    FUNDS, GENERATORS_BLOB, KEY_BLOB, PRICES, PURCHASE_PRICES, ROOTS, VESTING,
};

/// cw2 contract name.
pub const CONTRACT_NAME: &str = "crates.io:eligo-contract";
/// cw2 contract version.
pub const CONTRACT_VERSION: &str = env!("CARGO_PKG_VERSION");

/// cw721 messages without extensions.
type NftExecute = Cw721ExecuteMsg<Empty, Empty, Empty>;
/// cw721 queries without extensions.
type NftQuery = Cw721QueryMsg<Empty, Empty, Empty>;

/// Reads a payout token's decimals from its cw20 `token_info`.
fn token_decimals(
    deps: &DepsMut<'_>,
    field: &'static str,
    token: &Addr,
) -> Result<u8, ContractError> {
    let info: TokenInfoResponse = deps
        .querier
        .query_wasm_smart(token, &Cw20QueryMsg::TokenInfo {})
        .map_err(|e| ContractError::BadField {
            field,
            reason: format!("its cw20 token_info cannot be read ({e})"),
        })?;
    Ok(info.decimals)
}

/// Creates the program.
#[cfg_attr(not(feature = "library"), cosmwasm_std::entry_point)]
pub fn instantiate(
    deps: DepsMut<'_>,
    env: Env,
    info: MessageInfo,
    msg: InstantiateMsg,
) -> Result<Response, ContractError> {
    let api = deps.api;
    let now = env.block.time.seconds();
    let admin = match &msg.admin {
        Some(a) => api.addr_validate(a)?,
        None => info.sender.clone(),
    };
    let threshold = msg.threshold.unwrap_or(ThresholdMsg {
        num: rules::PROGRAM_THRESHOLD_NUM,
        den: rules::PROGRAM_THRESHOLD_DEN,
    });
    Threshold::new(threshold.num, threshold.den).map_err(|e| ContractError::BadField {
        field: "threshold",
        reason: e.to_string(),
    })?;
    rules::check_threshold(threshold.num, threshold.den)?;
    let shape = proof::shape(msg.capacity, msg.depth)?;
    let (window_open, window_close) =
        rules::window_from_tge(msg.tge).ok_or_else(|| ContractError::BadField {
            field: "tge",
            reason: "its window falls after the year 9999".into(),
        })?;
    if window_close <= now {
        return Err(rules::RuleError::WeakerThanProgram {
            term: "tge",
            program: "an instantiation before the claim window closes".into(),
            given: format!("a TGE whose window closed at {window_close} (it is {now})"),
        }
        .into());
    }
    let grace_period = msg.grace_period.unwrap_or(MAX_GRACE_PERIOD);
    if grace_period > MAX_GRACE_PERIOD {
        return Err(rules::RuleError::WeakerThanProgram {
            term: "grace_period",
            program: format!("at most {MAX_GRACE_PERIOD} s"),
            given: format!("{grace_period} s"),
        }
        .into());
    }
    let price_max_age = msg.price_max_age.unwrap_or(DEFAULT_PRICE_MAX_AGE);
    if !(MIN_PRICE_MAX_AGE..=MAX_PRICE_MAX_AGE).contains(&price_max_age) {
        return Err(ContractError::BadField {
            field: "price_max_age",
            reason: format!(
                "{price_max_age} s; it must be {MIN_PRICE_MAX_AGE} to {MAX_PRICE_MAX_AGE} s"
            ),
        });
    }
    if let Some(p) = msg.payout {
        let program = PayoutTermsMsg {
            ifx_percent: 100,
            ifx_vesting_seconds: VESTING_PERIOD,
            weth_percent: 80,
        };
        debug_assert_eq!(u128::from(program.ifx_percent), rules::IFX_SHARE_PERCENT);
        debug_assert_eq!(u128::from(program.weth_percent), rules::WETH_SHARE_PERCENT);
        if p != program {
            return Err(rules::RuleError::WeakerThanProgram {
                term: "payout",
                program: format!(
                    "{}% in IFX vested over {VESTING_PERIOD} s, or {}% in wETH",
                    program.ifx_percent, program.weth_percent
                ),
                given: format!(
                    "{}% in IFX vested over {} s, or {}% in wETH",
                    p.ifx_percent, p.ifx_vesting_seconds, p.weth_percent
                ),
            }
            .into());
        }
    }
    let ifx_token = api.addr_validate(&msg.ifx_token)?;
    let weth_token = api.addr_validate(&msg.weth_token)?;
    if ifx_token == weth_token {
        return Err(ContractError::BadField {
            field: "weth_token",
            reason: "IFX and wETH must be different tokens".into(),
        });
    }
    let decimals = rules::TokenDecimals {
        ifx: token_decimals(&deps, "ifx_token", &ifx_token)?,
        weth: token_decimals(&deps, "weth_token", &weth_token)?,
    };
    decimals.validate()?;
    let fund_size = rules::fund_size(decimals.ifx)?;
    if let Some(asked) = msg.fund_size {
        if asked.u128() != fund_size {
            return Err(rules::RuleError::WeakerThanProgram {
                term: "fund_size",
                program: format!(
                    "{} IFX, {fund_size} base units of a {}-decimal token",
                    rules::FUND_SIZE_WHOLE_IFX,
                    decimals.ifx
                ),
                given: format!("{asked} base units"),
            }
            .into());
        }
    }
    let prices = StoredPrices {
        ifx: msg.prices.ifx,
        eth: msg.prices.eth,
        as_of: now,
    };
    Prices::from(&prices).validate(now)?;
    let config = StoredConfig {
        admin,
        pending_admin: None,
        treasury: api.addr_validate(&msg.treasury)?,
        program_id: msg.program_id,
        registry_root: parse_root("registry_root", &msg.registry_root)?,
        threshold_num: threshold.num,
        threshold_den: threshold.den,
        capacity: msg.capacity,
        depth: msg.depth,
        k: layout::k_for(&shape),
        // Set below, once every cheap check has passed.
        circuit_fingerprint: String::new(),
        tge: msg.tge,
        window_open,
        window_close,
        grace_period,
        price_max_age,
        paused: false,
        swept: false,
        ifx_decimals: decimals.ifx,
        weth_decimals: decimals.weth,
        license_nft: api.addr_validate(&msg.license_nft)?,
        ifx_token,
        weth_token,
    };
    let roots = ExclusionRoots::new(parse_root("exclusion_root", &msg.exclusion_root)?);
    let funds = Funds::new(fund_size);
    // The expensive part last: decode and check the key and generators.
    let verifier = proof::build_verifier(
        shape,
        msg.verifying_key.as_slice(),
        msg.generators.as_slice(),
        msg.circuit_fingerprint.as_deref(),
    )?;
    let config = StoredConfig {
        circuit_fingerprint: verifier.fingerprint().to_string(),
        ..config
    };
    cw2::set_contract_version(deps.storage, CONTRACT_NAME, CONTRACT_VERSION)?;
    CONFIG.save(deps.storage, &config)?;
    save_blob(deps.storage, KEY_BLOB, msg.verifying_key.as_slice())?;
    save_blob(deps.storage, GENERATORS_BLOB, msg.generators.as_slice())?;
    ROOTS.save(deps.storage, &StoredRoots::from(&roots))?;
    PRICES.save(deps.storage, &prices)?;
    FUNDS.save(deps.storage, &StoredFunds::from(&funds))?;
    Ok(Response::new()
        .add_attribute("action", "instantiate")
        .add_attribute("k", config.k.to_string())
        .add_attribute("circuit_fingerprint", config.circuit_fingerprint)
        .add_attribute("key_digest", verifier.key().digest_hex())
        .add_attribute("generators_digest", verifier.generators().digest_hex())
        .add_attribute("proof_chain_id", proof::proof_chain_id(&env).to_string())
        .add_attribute("window_open", window_open.to_string())
        .add_attribute("window_close", window_close.to_string())
        .add_attribute("fund_size", fund_size.to_string())
        .add_attribute("ifx_decimals", decimals.ifx.to_string())
        .add_attribute("weth_decimals", decimals.weth.to_string()))
}

/// Loads the configuration and refuses anyone but the admin.
fn admin_config(deps: &DepsMut<'_>, sender: &Addr) -> Result<StoredConfig, ContractError> {
    let config = CONFIG.load(deps.storage)?;
    config.rules().require_admin(sender.as_str())?;
    Ok(config)
}

/// Executes an action.
#[cfg_attr(not(feature = "library"), cosmwasm_std::entry_point)]
pub fn execute(
    deps: DepsMut<'_>,
    env: Env,
    info: MessageInfo,
    msg: ExecuteMsg,
) -> Result<Response, ContractError> {
    // Native coins would be locked for good: nothing here takes any.
    cw_utils::nonpayable(&info).map_err(|e| ContractError::BadField {
        field: "funds",
        reason: e.to_string(),
    })?;
    let now = env.block.time.seconds();
    match msg {
        ExecuteMsg::Claim {
            license_id,
            option,
            proof,
            exclusion_root,
            min_amount,
        } => claim(
            deps,
            env,
            info,
            ClaimArgs {
                license_id,
                option,
                proof: proof.as_slice(),
                exclusion_root,
                min_amount: min_amount.u128(),
            },
        ),
        ExecuteMsg::ClaimBatch { claims } => claim_batch(deps, env, info, claims),
        ExecuteMsg::Sweep { recipient } => sweep(deps, env, info, recipient),
        ExecuteMsg::ProposeAdmin { admin } => {
            let mut config = admin_config(&deps, &info.sender)?;
            let proposed = deps.api.addr_validate(&admin)?;
            config.pending_admin = (proposed != config.admin).then_some(proposed);
            CONFIG.save(deps.storage, &config)?;
            Ok(Response::new()
                .add_attribute("action", "propose_admin")
                .add_attribute("admin", config.admin.as_str())
                .add_attribute(
                    "pending_admin",
                    config.pending_admin.as_ref().map_or("", Addr::as_str),
                ))
        }
        ExecuteMsg::AcceptAdmin {} => {
            let mut config = CONFIG.load(deps.storage)?;
            let pending = config
                .pending_admin
                .take()
                .ok_or(rules::RuleError::NoPendingAdmin)?;
            if pending != info.sender {
                return Err(rules::RuleError::NotPendingAdmin {
                    pending: pending.to_string(),
                    sender: info.sender.to_string(),
                }
                .into());
            }
            let previous = std::mem::replace(&mut config.admin, pending);
            CONFIG.save(deps.storage, &config)?;
            Ok(Response::new()
                .add_attribute("action", "accept_admin")
                .add_attribute("previous_admin", previous.as_str())
                .add_attribute("admin", config.admin.as_str()))
        }
        ExecuteMsg::Pause {} | ExecuteMsg::Unpause {} => {
            let mut config = admin_config(&deps, &info.sender)?;
            config.paused = matches!(msg, ExecuteMsg::Pause {});
            CONFIG.save(deps.storage, &config)?;
            Ok(Response::new()
                .add_attribute("action", if config.paused { "pause" } else { "unpause" })
                .add_attribute("paused", config.paused.to_string()))
        }
        ExecuteMsg::ExtendWindow { close } => {
            let mut config = admin_config(&deps, &info.sender)?;
            let mut rules = config.rules();
            let previous = rules.window_close;
            rules.extend_window(close, now, config.swept)?;
            config.window_close = rules.window_close;
            CONFIG.save(deps.storage, &config)?;
            Ok(Response::new()
                .add_attribute("action", "extend_window")
                .add_attribute("window_open", config.window_open.to_string())
                .add_attribute("previous_close", previous.to_string())
                .add_attribute("window_close", config.window_close.to_string()))
        }
        ExecuteMsg::WithdrawVested { start_after, limit } => {
            withdraw_vested(deps, env, info, start_after, limit)
        }
        ExecuteMsg::Receive(wrapper) => receive(deps, info, wrapper),
        ExecuteMsg::SetPurchasePrices { prices } => {
            let config = admin_config(&deps, &info.sender)?;
            config.rules().require_before_window(now)?;
            let mut response = Response::new()
                .add_attribute("action", "set_purchase_prices")
                .add_attribute("licenses", prices.len().to_string());
            for (license_id, price) in &prices {
                rules::validate_purchase_price(price.u128())?;
                PURCHASE_PRICES.save(deps.storage, *license_id, price)?;
                response = response.add_event(
                    Event::new("eligo_purchase_price")
                        .add_attribute("license_id", license_id.to_string())
                        .add_attribute("purchase_usdt", price.to_string()),
                );
            }
            Ok(response)
        }
        ExecuteMsg::SetPrices { prices, as_of } => {
            admin_config(&deps, &info.sender)?;
            let current = PRICES.load(deps.storage)?;
            let stored = StoredPrices {
                ifx: prices.ifx,
                eth: prices.eth,
                as_of: as_of.unwrap_or(now),
            };
            Prices::from(&stored).validate(now)?;
            if stored.as_of < current.as_of {
                return Err(rules::RuleError::OlderPrices {
                    as_of: stored.as_of,
                    current: current.as_of,
                }
                .into());
            }
            PRICES.save(deps.storage, &stored)?;
            Ok(Response::new()
                .add_attribute("action", "set_prices")
                .add_attribute("ifx", prices.ifx)
                .add_attribute("eth", prices.eth)
                .add_attribute("as_of", stored.as_of.to_string())
                .add_attribute("previous_ifx", current.ifx)
                .add_attribute("previous_eth", current.eth))
        }
        ExecuteMsg::RotateExclusionRoot { root } => {
            let config = admin_config(&deps, &info.sender)?;
            let root = parse_root("root", &root)?;
            let mut roots = ExclusionRoots::from(&ROOTS.load(deps.storage)?);
            let previous = roots.current;
            roots.rotate(root, now, config.grace_period)?;
            ROOTS.save(deps.storage, &StoredRoots::from(&roots))?;
            Ok(Response::new()
                .add_attribute("action", "rotate_exclusion_root")
                .add_attribute("root", root_hex(&root))
                .add_attribute("previous_root", root_hex(&previous))
                .add_attribute(
                    "previous_accepted_until",
                    now.saturating_add(config.grace_period).to_string(),
                ))
        }
    }
}

/// Whether `spender` may move `license_id` for its owner.
fn approved(
    deps: &Deps<'_>,
    nft: &EmptyCw721Helper,
    owner: &OwnerOfResponse,
    spender: &Addr,
) -> bool {
    if owner.approvals.iter().any(|a| a.spender == *spender) {
        return true;
    }
    let query: NftQuery = Cw721QueryMsg::Operator {
        owner: owner.owner.clone(),
        operator: spender.to_string(),
        include_expired: Some(false),
    };
    nft.query::<OperatorResponse>(&deps.querier, query).is_ok()
}

/// The fields of a claim message.
struct ClaimArgs<'a> {
    license_id: u64,
    option: PayoutOption,
    proof: &'a [u8],
    exclusion_root: Option<String>,
    min_amount: u128,
}

/// One claim that passed every check but its proof.
struct Checked {
    license_id: u64,
    option: PayoutOption,
    payout: Payout,
    purchase_usdt: u128,
    exclusion_root: rules::Root,
    vesting: Option<rules::Vesting>,
    instance: eligo_circuits::Instance,
    token_id: String,
}

/// What every claim of one message shares.
struct ClaimContextState {
    now: u64,
    config: StoredConfig,
    roots: ExclusionRoots,
    prices: Prices,
    funds: Funds,
}

impl ClaimContextState {
    fn load(deps: Deps<'_>, env: &Env) -> Result<Self, ContractError> {
        Ok(ClaimContextState {
            now: env.block.time.seconds(),
            config: CONFIG.load(deps.storage)?,
            roots: ExclusionRoots::from(&ROOTS.load(deps.storage)?),
            prices: Prices::from(&PRICES.load(deps.storage)?),
            funds: Funds::from(&FUNDS.load(deps.storage)?),
        })
    }
}

/// Every check of a claim except its proof, in the documented order; the
/// payout is taken from the running `st.funds` (so a batch's claims are
/// covered together). `earlier` are the licenses claimed earlier in the
/// same message.
fn check_one(
    deps: Deps<'_>,
    env: &Env,
    sender: &Addr,
    st: &mut ClaimContextState,
    earlier: &[u64],
    args: &ClaimArgs<'_>,
) -> Result<Checked, ContractError> {
    let ClaimArgs {
        license_id,
        option,
        exclusion_root,
        min_amount,
        ..
    } = args;
    let license_id = *license_id;
    let exclusion_root = match exclusion_root {
        Some(r) => parse_root("exclusion_root", r)?,
        None => st.roots.current,
    };
    let nft = EmptyCw721Helper::new(st.config.license_nft.clone());
    let token_id = license_id.to_string();
    // A token the license contract does not know is an unknown license.
    let owner = nft.owner_of(&deps.querier, &token_id, false).ok();
    let facts = LicenseFacts {
        owner: owner.as_ref().map(|o| o.owner.as_str()),
        purchase_usdt: PURCHASE_PRICES
            .may_load(deps.storage, license_id)?
            .map(|p| p.u128()),
        claimed: CLAIMS.has(deps.storage, license_id) || earlier.contains(&license_id),
    };
    let req = ClaimRequest {
        now: st.now,
        sender: sender.as_str(),
        license_id,
        option: (*option).into(),
        exclusion_root: &exclusion_root,
        min_amount: *min_amount,
    };
    let payout = check_claim(
        &st.config.rules(),
        &st.roots,
        &st.prices,
        &st.funds,
        &facts,
        &req,
    )?;
    let purchase_usdt = facts.purchase_usdt.unwrap_or_default();
    let owner = owner.ok_or(rules::RuleError::UnknownLicense(license_id))?;
    if !approved(&deps, &nft, &owner, &env.contract.address) {
        return Err(ContractError::NotApproved(license_id));
    }
    let ctx = proof::claim_context(deps.api, env, sender, *option)?;
    let instance = proof::instance(&st.config, &exclusion_root, license_id, &ctx)?;
    let vesting = apply_payout(&mut st.funds, &payout, st.now)?;
    Ok(Checked {
        license_id,
        option: *option,
        payout,
        purchase_usdt,
        exclusion_root,
        vesting,
        instance,
        token_id,
    })
}

/// Records a verified claim: the nullifier, the vesting, the license to
/// the treasury and the wETH payment.
fn record(
    deps: &mut DepsMut<'_>,
    sender: &Addr,
    st: &ClaimContextState,
    c: Checked,
    mut response: Response,
) -> Result<Response, ContractError> {
    let nft = EmptyCw721Helper::new(st.config.license_nft.clone());
    CLAIMS.save(
        deps.storage,
        c.license_id,
        &ClaimRecord {
            claimant: sender.to_string(),
            option: c.option,
            amount: c.payout.amount().into(),
            time: st.now,
        },
    )?;
    let move_license: NftExecute = Cw721ExecuteMsg::TransferNft {
        recipient: st.config.treasury.to_string(),
        token_id: c.token_id,
    };
    let option = match c.payout {
        Payout::Ifx { .. } => "ifx",
        Payout::Weth { .. } => "weth",
    };
    response = response
        .add_message(nft.call(move_license)?)
        .add_attribute("license_id", c.license_id.to_string())
        .add_attribute("amount", c.payout.amount().to_string())
        .add_event(
            Event::new("eligo_claim")
                .add_attribute("license_id", c.license_id.to_string())
                .add_attribute("claimant", sender.as_str())
                .add_attribute("option", option)
                .add_attribute("amount", c.payout.amount().to_string())
                .add_attribute("purchase_usdt", c.purchase_usdt.to_string())
                .add_attribute("ifx_price", st.prices.ifx.to_string())
                .add_attribute("eth_price", st.prices.eth.to_string())
                .add_attribute("prices_as_of", st.prices.as_of.to_string())
                .add_attribute("exclusion_root", root_hex(&c.exclusion_root)),
        );
    if let Some(v) = &c.vesting {
        VESTING.save(
            deps.storage,
            (sender, c.license_id),
            &StoredVesting::from(v),
        )?;
    }
    Ok(match c.payout {
        Payout::Ifx { .. } => response.add_attribute("option", "ifx"),
        Payout::Weth { amount } => response
            .add_message(cw20_transfer(
                &st.config.weth_token,
                sender.as_str(),
                amount,
            )?)
            .add_attribute("option", "weth"),
    })
}

fn claim(
    mut deps: DepsMut<'_>,
    env: Env,
    info: MessageInfo,
    args: ClaimArgs<'_>,
) -> Result<Response, ContractError> {
    let mut st = ClaimContextState::load(deps.as_ref(), &env)?;
    let checked = check_one(deps.as_ref(), &env, &info.sender, &mut st, &[], &args)?;
    // The proof, last: it is the expensive check.
    let verifier = proof::verifier(deps.storage, &st.config)?;
    verifier
        .verify_instance(&checked.instance, args.proof)
        .map_err(|e| rules::RuleError::InvalidProof(e.to_string()))?;
    FUNDS.save(deps.storage, &StoredFunds::from(&st.funds))?;
    let response = Response::new()
        .add_attribute("action", "claim")
        .add_attribute("claimant", info.sender.as_str());
    record(&mut deps, &info.sender, &st, checked, response)
}

fn claim_batch(
    mut deps: DepsMut<'_>,
    env: Env,
    info: MessageInfo,
    claims: Vec<ClaimItem>,
) -> Result<Response, ContractError> {
    if claims.is_empty() || claims.len() > MAX_BATCH_CLAIMS {
        return Err(ContractError::BadField {
            field: "claims",
            reason: format!(
                "{} claims; a batch takes 1 to {MAX_BATCH_CLAIMS}",
                claims.len()
            ),
        });
    }
    let mut st = ClaimContextState::load(deps.as_ref(), &env)?;
    let mut checked = Vec::with_capacity(claims.len());
    let mut ids = Vec::with_capacity(claims.len());
    for item in &claims {
        let args = ClaimArgs {
            license_id: item.license_id,
            option: item.option,
            proof: item.proof.as_slice(),
            exclusion_root: item.exclusion_root.clone(),
            min_amount: item.min_amount.u128(),
        };
        checked.push(check_one(
            deps.as_ref(),
            &env,
            &info.sender,
            &mut st,
            &ids,
            &args,
        )?);
        ids.push(item.license_id);
    }
    // One accumulated check over every proof; per-proof checks only to
    // name the first bad one.
    let verifier = proof::verifier(deps.storage, &st.config)?;
    let items: Vec<(eligo_circuits::Instance, Vec<u8>)> = checked
        .iter()
        .zip(&claims)
        .map(|(c, item)| (c.instance.clone(), item.proof.to_vec()))
        .collect();
    if let Some((i, e)) = verifier.first_failure(&items) {
        return Err(ContractError::BatchProof {
            license_id: checked.get(i).map_or(0, |c| c.license_id),
            reason: e.to_string(),
        });
    }
    FUNDS.save(deps.storage, &StoredFunds::from(&st.funds))?;
    let mut response = Response::new()
        .add_attribute("action", "claim_batch")
        .add_attribute("claimant", info.sender.as_str())
        .add_attribute("claims", checked.len().to_string());
    for c in checked {
        response = record(&mut deps, &info.sender, &st, c, response)?;
    }
    Ok(response)
}

/// A cw20 transfer from this contract.
fn cw20_transfer(token: &Addr, recipient: &str, amount: u128) -> StdResult<WasmMsg> {
    Ok(WasmMsg::Execute {
        contract_addr: token.to_string(),
        msg: to_json_binary(&Cw20ExecuteMsg::Transfer {
            recipient: recipient.to_string(),
            amount: amount.into(),
        })?,
        funds: vec![],
    })
}

fn sweep(
    deps: DepsMut<'_>,
    env: Env,
    info: MessageInfo,
    recipient: Option<String>,
) -> Result<Response, ContractError> {
    let config = CONFIG.load(deps.storage)?;
    let rules = config.rules();
    rules.require_admin(info.sender.as_str())?;
    rules.require_window_closed(env.block.time.seconds())?;
    let recipient = match recipient {
        Some(r) => deps.api.addr_validate(&r)?,
        None => config.treasury.clone(),
    };
    let balance = |token: &Addr| -> StdResult<u128> {
        let b: BalanceResponse = deps.querier.query_wasm_smart(
            token,
            &Cw20QueryMsg::Balance {
                address: env.contract.address.to_string(),
            },
        )?;
        Ok(b.balance.u128())
    };
    let (ifx_balance, weth_balance) = (balance(&config.ifx_token)?, balance(&config.weth_token)?);
    let mut funds = Funds::from(&FUNDS.load(deps.storage)?);
    let owed = funds.ifx_owed();
    let (ifx, weth) = funds.sweep(ifx_balance, weth_balance);
    FUNDS.save(deps.storage, &StoredFunds::from(&funds))?;
    CONFIG.save(
        deps.storage,
        &StoredConfig {
            swept: true,
            ..config.clone()
        },
    )?;
    let mut response = Response::new()
        .add_attribute("action", "sweep")
        .add_attribute("recipient", recipient.as_str())
        .add_attribute("ifx", ifx.to_string())
        .add_attribute("weth", weth.to_string())
        .add_attribute("ifx_still_owed", owed.to_string());
    if ifx > 0 {
        response = response.add_message(cw20_transfer(&config.ifx_token, recipient.as_str(), ifx)?);
    }
    if weth > 0 {
        response =
            response.add_message(cw20_transfer(&config.weth_token, recipient.as_str(), weth)?);
    }
    Ok(response)
}

/// Schedules one vesting page walks when no limit is given, and at most.
pub const MAX_VESTING_PAGE: u32 = 30;

/// A page of schedules by license id, and the `start_after` of the next.
type VestingPage = (Vec<(u64, StoredVesting)>, Option<u64>);

/// A page of `holder`'s schedules: after `start_after`, at most `limit`
/// (capped at [`MAX_VESTING_PAGE`]), and the `start_after` of the next
/// page if there is one.
fn vesting_page(
    storage: &dyn cosmwasm_std::Storage,
    holder: &Addr,
    start_after: Option<u64>,
    limit: Option<u32>,
) -> StdResult<VestingPage> {
    let limit = limit.unwrap_or(MAX_VESTING_PAGE).clamp(1, MAX_VESTING_PAGE) as usize;
    let mut page: Vec<(u64, StoredVesting)> = VESTING
        .prefix(holder)
        .range(
            storage,
            start_after.map(Bound::exclusive),
            None,
            Order::Ascending,
        )
        .take(limit + 1)
        .collect::<StdResult<_>>()?;
    let next = if page.len() > limit {
        page.truncate(limit);
        page.last().map(|(id, _)| *id)
    } else {
        None
    };
    Ok((page, next))
}

fn withdraw_vested(
    deps: DepsMut<'_>,
    env: Env,
    info: MessageInfo,
    start_after: Option<u64>,
    limit: Option<u32>,
) -> Result<Response, ContractError> {
    let now = env.block.time.seconds();
    let config = CONFIG.load(deps.storage)?;
    let (schedules, next) = vesting_page(deps.storage, &info.sender, start_after, limit)?;
    let mut total: u128 = 0;
    for (license_id, stored) in schedules {
        let mut v = rules::Vesting::from(&stored);
        let amount = v.withdraw(now);
        if amount > 0 {
            total += amount;
            VESTING.save(
                deps.storage,
                (&info.sender, license_id),
                &StoredVesting::from(&v),
            )?;
        }
    }
    if total == 0 {
        return Err(ContractError::NothingToWithdraw(info.sender.to_string()));
    }
    let mut funds = Funds::from(&FUNDS.load(deps.storage)?);
    funds.withdraw_ifx(total)?;
    FUNDS.save(deps.storage, &StoredFunds::from(&funds))?;
    Ok(Response::new()
        .add_message(cw20_transfer(
            &config.ifx_token,
            info.sender.as_str(),
            total,
        )?)
        .add_attribute("action", "withdraw_vested")
        .add_attribute("beneficiary", info.sender.as_str())
        .add_attribute("amount", total.to_string())
        .add_attribute(
            "next_start_after",
            next.map_or_else(String::new, |n| n.to_string()),
        ))
}

fn receive(
    deps: DepsMut<'_>,
    info: MessageInfo,
    wrapper: Cw20ReceiveMsg,
) -> Result<Response, ContractError> {
    let config = CONFIG.load(deps.storage)?;
    let mut funds = Funds::from(&FUNDS.load(deps.storage)?);
    let amount = wrapper.amount.u128();
    let purpose = match from_json::<ReceiveMsg>(&wrapper.msg)? {
        ReceiveMsg::Fund {} => {
            if info.sender != config.ifx_token {
                return Err(ContractError::WrongToken {
                    token: info.sender.to_string(),
                    purpose: "IFX for the fund",
                });
            }
            funds.deposit_ifx(amount)?;
            "fund"
        }
        ReceiveMsg::WethReserve {} => {
            if info.sender != config.weth_token {
                return Err(ContractError::WrongToken {
                    token: info.sender.to_string(),
                    purpose: "wETH for the reserve",
                });
            }
            funds.deposit_weth(amount)?;
            "weth_reserve"
        }
    };
    FUNDS.save(deps.storage, &StoredFunds::from(&funds))?;
    Ok(Response::new()
        .add_attribute("action", "deposit")
        .add_attribute("to", purpose)
        .add_attribute("from", wrapper.sender)
        .add_attribute("amount", wrapper.amount))
}

/// Answers a query.
#[cfg_attr(not(feature = "library"), cosmwasm_std::entry_point)]
pub fn query(deps: Deps<'_>, env: Env, msg: QueryMsg) -> Result<Binary, ContractError> {
    let now = env.block.time.seconds();
    Ok(match msg {
        QueryMsg::Config {} => {
            let c = CONFIG.load(deps.storage)?;
            let p = PRICES.load(deps.storage)?;
            to_json_binary(&ConfigResponse {
                admin: c.admin.to_string(),
                treasury: c.treasury.to_string(),
                program_id: c.program_id.clone(),
                registry_root: root_hex(&c.registry_root),
                threshold: ThresholdMsg {
                    num: c.threshold_num,
                    den: c.threshold_den,
                },
                capacity: c.capacity,
                depth: c.depth,
                k: c.k,
                circuit_fingerprint: c.circuit_fingerprint.clone(),
                proof_chain_id: proof::proof_chain_id(&env),
                window: c.rules().window(),
                tge: c.tge,
                grace_period: c.grace_period,
                price_max_age: c.price_max_age,
                paused: c.paused,
                pending_admin: c.pending_admin.as_ref().map(Addr::to_string),
                ifx_decimals: c.ifx_decimals,
                weth_decimals: c.weth_decimals,
                license_nft: c.license_nft.to_string(),
                ifx_token: c.ifx_token.to_string(),
                weth_token: c.weth_token.to_string(),
                prices: PricesMsg {
                    ifx: p.ifx,
                    eth: p.eth,
                },
                prices_as_of: p.as_of,
            })?
        }
        QueryMsg::ClaimStatus { license_id } => to_json_binary(&ClaimStatusResponse {
            license_id,
            claim: CLAIMS.may_load(deps.storage, license_id)?,
        })?,
        QueryMsg::Vesting {
            address,
            start_after,
            limit,
        } => {
            let addr = deps.api.addr_validate(&address)?;
            let (page, next) = vesting_page(deps.storage, &addr, start_after, limit)?;
            let mut r = VestingResponse {
                total: Uint128::zero(),
                vested: Uint128::zero(),
                withdrawn: Uint128::zero(),
                claimable: Uint128::zero(),
                schedules: vec![],
                next_start_after: next,
            };
            for (license_id, stored) in page {
                let v = rules::Vesting::from(&stored);
                r.total += stored.total;
                r.vested += Uint128::from(v.vested(now));
                r.withdrawn += stored.withdrawn;
                r.claimable += Uint128::from(v.claimable(now));
                r.schedules.push(ScheduleResponse {
                    license_id,
                    total: stored.total,
                    start: stored.start,
                    vested: v.vested(now).into(),
                    withdrawn: stored.withdrawn,
                });
            }
            to_json_binary(&r)?
        }
        QueryMsg::Fund {} => {
            let f = Funds::from(&FUNDS.load(deps.storage)?);
            to_json_binary(&FundResponse {
                size: f.ifx_size.into(),
                deposited: f.ifx_deposited.into(),
                committed: f.ifx_committed.into(),
                remaining: f.ifx_remaining().into(),
                weth_reserve: f.weth_reserve.into(),
            })?
        }
        QueryMsg::ExclusionRoots {} => {
            let c = CONFIG.load(deps.storage)?;
            let r = ROOTS.load(deps.storage)?;
            to_json_binary(&ExclusionRootsResponse {
                current: root_hex(&r.current),
                previous: r
                    .previous
                    .iter()
                    .map(|(root, at)| ReplacedRootResponse {
                        root: root_hex(root),
                        replaced_at: *at,
                        accepted_until: at.saturating_add(c.grace_period),
                    })
                    .filter(|p| now < p.accepted_until)
                    .collect(),
            })?
        }
        QueryMsg::Quote { license_id, option } => {
            let config = CONFIG.load(deps.storage)?.rules();
            let purchase = PURCHASE_PRICES.may_load(deps.storage, license_id)?;
            let stored = PRICES.load(deps.storage)?;
            let prices = Prices::from(&stored);
            let funds = Funds::from(&FUNDS.load(deps.storage)?);
            let claimed = CLAIMS.has(deps.storage, license_id);
            let facts = LicenseFacts {
                owner: None,
                purchase_usdt: purchase.map(|p| p.u128()),
                claimed,
            };
            let (payout, refusal) = rules::quote(
                &config,
                &prices,
                &funds,
                &facts,
                license_id,
                option.into(),
                now,
            )?;
            to_json_binary(&QuoteResponse {
                license_id,
                option,
                purchase_usdt: purchase.unwrap_or_default(),
                amount: payout.amount().into(),
                prices: PricesMsg {
                    ifx: stored.ifx,
                    eth: stored.eth,
                },
                prices_as_of: stored.as_of,
                claimed,
                covered: funds.check(&payout).is_ok(),
                refusal: refusal.map(|e| e.to_string()),
            })?
        }
    })
}
