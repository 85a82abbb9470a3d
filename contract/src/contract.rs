//! Entry points: each handler loads what the rules need, calls them, and
//! stores the result. No program rule is decided here.

use cosmwasm_std::{
    from_json, to_json_binary, Addr, Binary, Deps, DepsMut, Empty, Env, MessageInfo, Order,
    Response, StdResult, Uint128, WasmMsg,
};
use cw20::{Cw20ExecuteMsg, Cw20ReceiveMsg};
use cw721::helpers::EmptyCw721Helper;
use cw721::msg::{Cw721ExecuteMsg, Cw721QueryMsg, OperatorResponse, OwnerOfResponse};
use cw721::traits::Cw721Calls;
use eligo_circuits::{layout, Threshold};

use crate::error::ContractError;
use crate::msg::{
    ClaimItem, ClaimRecord, ClaimStatusResponse, ConfigResponse, ExclusionRootsResponse,
    ExecuteMsg, FundResponse, InstantiateMsg, PayoutOption, PricesMsg, QueryMsg, QuoteResponse,
    ReceiveMsg, ReplacedRootResponse, ScheduleResponse, ThresholdMsg, VestingResponse,
    MAX_BATCH_CLAIMS,
};
use crate::proof::{self, parse_root, root_hex};
use crate::rules::{
    self, apply_payout, check_claim, ClaimRequest, ExclusionRoots, Funds, LicenseFacts, Payout,
    Prices, DEFAULT_FUND_IFX, DEFAULT_GRACE_PERIOD, DEFAULT_WINDOW_LENGTH, DEFAULT_WINDOW_OFFSET,
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

/// Creates the program.
#[cfg_attr(not(feature = "library"), cosmwasm_std::entry_point)]
pub fn instantiate(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    msg: InstantiateMsg,
) -> Result<Response, ContractError> {
    let api = deps.api;
    let admin = match &msg.admin {
        Some(a) => api.addr_validate(a)?,
        None => info.sender.clone(),
    };
    let threshold = msg.threshold.unwrap_or(ThresholdMsg {
        num: Threshold::default_threshold().num(),
        den: Threshold::default_threshold().den(),
    });
    Threshold::new(threshold.num, threshold.den).map_err(|e| ContractError::BadField {
        field: "threshold",
        reason: e.to_string(),
    })?;
    let shape = proof::shape(msg.capacity, msg.depth)?;
    let prices = StoredPrices {
        ifx: msg.prices.ifx,
        eth: msg.prices.eth,
    };
    Prices::from(&prices).validate()?;
    let config = StoredConfig {
        admin,
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
        window_offset: msg.window_offset.unwrap_or(DEFAULT_WINDOW_OFFSET),
        window_length: msg.window_length.unwrap_or(DEFAULT_WINDOW_LENGTH),
        grace_period: msg.grace_period.unwrap_or(DEFAULT_GRACE_PERIOD),
        license_nft: api.addr_validate(&msg.license_nft)?,
        ifx_token: api.addr_validate(&msg.ifx_token)?,
        weth_token: api.addr_validate(&msg.weth_token)?,
    };
    if config.ifx_token == config.weth_token {
        return Err(ContractError::BadField {
            field: "weth_token",
            reason: "IFX and wETH must be different tokens".into(),
        });
    }
    if msg.fund_size.is_some_and(|f| f.is_zero()) {
        return Err(ContractError::BadField {
            field: "fund_size",
            reason: "the fund cannot be empty".into(),
        });
    }
    if config.window_length == 0 {
        return Err(ContractError::BadField {
            field: "window_length",
            reason: "the window cannot be empty".into(),
        });
    }
    let roots = ExclusionRoots::new(parse_root("exclusion_root", &msg.exclusion_root)?);
    let funds = Funds::new(msg.fund_size.map_or(DEFAULT_FUND_IFX, |f| f.u128()));
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
        .add_attribute("proof_chain_id", proof::proof_chain_id(&env).to_string()))
}

/// Executes an action.
#[cfg_attr(not(feature = "library"), cosmwasm_std::entry_point)]
pub fn execute(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    msg: ExecuteMsg,
) -> Result<Response, ContractError> {
    // Native coins would be locked for good: nothing here takes any.
    cw_utils::nonpayable(&info).map_err(|e| ContractError::BadField {
        field: "funds",
        reason: e.to_string(),
    })?;
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
                min_amount: min_amount.map_or(0, |m| m.u128()),
            },
        ),
        ExecuteMsg::ClaimBatch { claims } => claim_batch(deps, env, info, claims),
        ExecuteMsg::Sweep { recipient } => sweep(deps, env, info, recipient),
        ExecuteMsg::UpdateAdmin { admin } => {
            let mut config = CONFIG.load(deps.storage)?;
            config.rules().require_admin(info.sender.as_str())?;
            config.admin = deps.api.addr_validate(&admin)?;
            CONFIG.save(deps.storage, &config)?;
            Ok(Response::new()
                .add_attribute("action", "update_admin")
                .add_attribute("admin", config.admin.as_str()))
        }
        ExecuteMsg::WithdrawVested {} => withdraw_vested(deps, env, info),
        ExecuteMsg::Receive(wrapper) => receive(deps, info, wrapper),
        ExecuteMsg::SetPurchasePrices { prices } => {
            CONFIG
                .load(deps.storage)?
                .rules()
                .require_admin(info.sender.as_str())?;
            for (license_id, price) in &prices {
                rules::validate_purchase_price(price.u128())?;
                PURCHASE_PRICES.save(deps.storage, *license_id, price)?;
            }
            Ok(Response::new()
                .add_attribute("action", "set_purchase_prices")
                .add_attribute("licenses", prices.len().to_string()))
        }
        ExecuteMsg::SetPrices { prices } => {
            CONFIG
                .load(deps.storage)?
                .rules()
                .require_admin(info.sender.as_str())?;
            let stored = StoredPrices {
                ifx: prices.ifx,
                eth: prices.eth,
            };
            Prices::from(&stored).validate()?;
            PRICES.save(deps.storage, &stored)?;
            Ok(Response::new()
                .add_attribute("action", "set_prices")
                .add_attribute("ifx", prices.ifx)
                .add_attribute("eth", prices.eth))
        }
        ExecuteMsg::RotateExclusionRoot { root } => {
            let config = CONFIG.load(deps.storage)?;
            config.rules().require_admin(info.sender.as_str())?;
            let root = parse_root("root", &root)?;
            let mut roots = ExclusionRoots::from(&ROOTS.load(deps.storage)?);
            roots.rotate(root, env.block.time.seconds(), config.grace_period)?;
            ROOTS.save(deps.storage, &StoredRoots::from(&roots))?;
            Ok(Response::new()
                .add_attribute("action", "rotate_exclusion_root")
                .add_attribute("root", root_hex(&root)))
        }
    }
}

/// Whether `spender` may move `license_id` for its owner.
fn approved(deps: &Deps, nft: &EmptyCw721Helper, owner: &OwnerOfResponse, spender: &Addr) -> bool {
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
    fn load(deps: Deps, env: &Env) -> Result<Self, ContractError> {
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
    deps: Deps,
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
        vesting,
        instance,
        token_id,
    })
}

/// Records a verified claim: the nullifier, the vesting, the license to
/// the treasury and the wETH payment.
fn record(
    deps: &mut DepsMut,
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
    response = response
        .add_message(nft.call(move_license)?)
        .add_attribute("license_id", c.license_id.to_string())
        .add_attribute("amount", c.payout.amount().to_string());
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
    mut deps: DepsMut,
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
    mut deps: DepsMut,
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
            min_amount: item.min_amount.map_or(0, |m| m.u128()),
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
    deps: DepsMut,
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
    let mut funds = Funds::from(&FUNDS.load(deps.storage)?);
    let (ifx, weth) = funds.sweep();
    FUNDS.save(deps.storage, &StoredFunds::from(&funds))?;
    let mut response = Response::new()
        .add_attribute("action", "sweep")
        .add_attribute("recipient", recipient.as_str())
        .add_attribute("ifx", ifx.to_string())
        .add_attribute("weth", weth.to_string());
    if ifx > 0 {
        response = response.add_message(cw20_transfer(&config.ifx_token, recipient.as_str(), ifx)?);
    }
    if weth > 0 {
        response =
            response.add_message(cw20_transfer(&config.weth_token, recipient.as_str(), weth)?);
    }
    Ok(response)
}

fn withdraw_vested(deps: DepsMut, env: Env, info: MessageInfo) -> Result<Response, ContractError> {
    let now = env.block.time.seconds();
    let config = CONFIG.load(deps.storage)?;
    let schedules: Vec<(u64, StoredVesting)> = VESTING
        .prefix(&info.sender)
        .range(deps.storage, None, None, Order::Ascending)
        .collect::<StdResult<_>>()?;
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
    Ok(Response::new()
        .add_message(cw20_transfer(
            &config.ifx_token,
            info.sender.as_str(),
            total,
        )?)
        .add_attribute("action", "withdraw_vested")
        .add_attribute("amount", total.to_string()))
}

fn receive(
    deps: DepsMut,
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
pub fn query(deps: Deps, env: Env, msg: QueryMsg) -> Result<Binary, ContractError> {
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
                grace_period: c.grace_period,
                license_nft: c.license_nft.to_string(),
                ifx_token: c.ifx_token.to_string(),
                weth_token: c.weth_token.to_string(),
                prices: PricesMsg {
                    ifx: p.ifx,
                    eth: p.eth,
                },
            })?
        }
        QueryMsg::ClaimStatus { license_id } => to_json_binary(&ClaimStatusResponse {
            license_id,
            claim: CLAIMS.may_load(deps.storage, license_id)?,
        })?,
        QueryMsg::Vesting { address } => {
            let addr = deps.api.addr_validate(&address)?;
            let mut r = VestingResponse {
                total: Uint128::zero(),
                vested: Uint128::zero(),
                withdrawn: Uint128::zero(),
                claimable: Uint128::zero(),
                schedules: vec![],
            };
            for item in VESTING
                .prefix(&addr)
                .range(deps.storage, None, None, Order::Ascending)
            {
                let (license_id, stored) = item?;
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
            let purchase = PURCHASE_PRICES
                .may_load(deps.storage, license_id)?
                .ok_or(rules::RuleError::UnknownLicense(license_id))?;
            let prices = Prices::from(&PRICES.load(deps.storage)?);
            let payout = match option {
                PayoutOption::Ifx => Payout::Ifx {
                    amount: rules::ifx_amount(purchase.u128(), &prices)?,
                },
                PayoutOption::Weth => Payout::Weth {
                    amount: rules::weth_amount(purchase.u128(), &prices)?,
                },
            };
            let funds = Funds::from(&FUNDS.load(deps.storage)?);
            to_json_binary(&QuoteResponse {
                purchase_usdt: purchase,
                amount: payout.amount().into(),
                claimed: CLAIMS.has(deps.storage, license_id),
                covered: funds.check(&payout).is_ok(),
            })?
        }
    })
}
