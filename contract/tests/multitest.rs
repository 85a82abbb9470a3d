//! The claim contract on cw-multi-test, with real cw20 tokens, a real cw721
//! license collection and real proofs from the prover (capacity 256,
//! depth 4). Every rule has a passing case and a refusing one.

use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock};

use cosmwasm_std::{to_json_binary, Addr, Api, Binary, Empty, Uint128};
use cw20::{Cw20Coin, Cw20ExecuteMsg};
use cw_multi_test::{App, AppResponse, Contract, ContractWrapper, Executor};
use eligo_circuits::native::{chain_id_from_name, fp_to_hex};
use eligo_circuits::{
    layout, Address, ClaimContext, ExclusionReason, Fp, Outcome, Shape, TaskEntry, Threshold,
    Verdict,
};
use eligo_contract::msg::{
    ClaimItem, ClaimStatusResponse, ConfigResponse, ExclusionRootsResponse, ExecuteMsg,
    FundResponse, InstantiateMsg, PayoutOption, PricesMsg, QueryMsg, QuoteResponse, ReceiveMsg,
    VestingResponse,
};
use eligo_contract::rules::{window_from_tge, RuleError, DAY, MAX_PRICE_MAX_AGE, TOKEN_UNIT};
use eligo_contract::ContractError;
use eligo_params::{NoProgress, Params, ParamsStore};
use eligo_prover::package::Package;
use eligo_prover::snapshot::{self, Snapshot, SnapshotConfig};
use eligo_prover::witness::{prepare, Details};
use eligo_prover::{ProveJob, Prover};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use serde_json::json;

/// Licenses of the test snapshot.
const ALICE_LICENSE: u64 = 0;
const BOB_LICENSE: u64 = 1;
const ALICE_SECOND: u64 = 2;
const INELIGIBLE: u64 = 3;
const BLACKLISTED: u64 = 5;
/// Minted and priced, but the last index of the tree (depth 4).
const LAST: u64 = 15;
/// A license the program does not know.
const UNKNOWN: u64 = 9;
/// 1,000 USDT (6 decimals).
const PURCHASE: u128 = 1_000 * 1_000_000;
/// IFX at 0.25 USDT, ETH at 2,000 USDT.
const IFX_PRICE: u128 = 250_000;
const ETH_PRICE: u128 = 2_000 * 1_000_000;
/// 1,000 USDT at 0.25 USDT/IFX.
const IFX_PAYOUT: u128 = 4_000 * TOKEN_UNIT;
/// 80% of 1,000 USDT at 2,000 USDT/ETH.
const WETH_PAYOUT: u128 = 4 * TOKEN_UNIT / 10;
/// TGE (2026-01-01 00:00 UTC), so that the window opens at [`OPEN`],
/// six calendar months later: 2026-07-01 00:00 UTC (182 days would be
/// 07-02).
const TGE: u64 = 1_767_225_600;
const OPEN: u64 = 1_782_864_000;
const GRACE: u64 = DAY;

fn shape() -> Shape {
    Shape::new(256, 4).unwrap()
}

fn log(first: u64, executed: usize, assigned: usize) -> Vec<TaskEntry> {
    (0..assigned)
        .map(|i| TaskEntry {
            task_id: first + i as u64,
            epoch: (i / 16) as u32,
            outcome: if i < executed {
                Outcome::Executed
            } else {
                Outcome::Missed
            },
        })
        .collect()
}

struct Fixture {
    snapshot: Snapshot,
    key: Vec<u8>,
    generators: Vec<u8>,
    prover: Prover,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let shape = shape();
        let mut logs = BTreeMap::new();
        logs.insert(ALICE_LICENSE, log(100, 200, 250));
        logs.insert(BOB_LICENSE, log(1_000, 3, 3));
        logs.insert(ALICE_SECOND, log(2_000, 2, 2));
        logs.insert(INELIGIBLE, log(3_000, 2, 3));
        logs.insert(BLACKLISTED, log(4_000, 10, 10));
        logs.insert(LAST, log(5_000, 256, 256));
        let mut excluded = BTreeMap::new();
        excluded.insert(BLACKLISTED, ExclusionReason::Blacklisted);
        let config = SnapshotConfig {
            shape,
            threshold: Threshold::default_threshold(),
            program_id: "gnb-test".into(),
        };
        let snapshot = snapshot::build(
            &config,
            &logs,
            &excluded,
            &mut ChaCha20Rng::seed_from_u64(4),
        )
        .unwrap();
        let home = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("eligo-home");
        let params: Params = ParamsStore::new(home)
            .load_or_generate(layout::k_for(&shape), &NoProgress)
            .unwrap();
        let generators = eligo_verifier::Generators::from_halo2(&params)
            .unwrap()
            .encode();
        let prover = Prover::new(params, shape).unwrap();
        let key = prover.verifying_key().unwrap().encode();
        Fixture {
            snapshot,
            key,
            generators,
            prover,
        }
    })
}

/// The fixture snapshot's package of `license`.
fn package(license: u64) -> &'static Package {
    fixture()
        .snapshot
        .packages
        .iter()
        .find(|p| p.license_id == license)
        .expect("package")
}

/// Proofs by (license, chain, contract, claimant, option): proving is the
/// slow part, and every world places its contracts at the same addresses.
type ProofKey = (u64, u64, Vec<u8>, Vec<u8>, u64);

fn prove(license: u64, ctx: &ClaimContext) -> Binary {
    static CACHE: OnceLock<Mutex<BTreeMap<ProofKey, Vec<u8>>>> = OnceLock::new();
    let key = (
        license,
        ctx.chain_id,
        ctx.contract.bytes().to_vec(),
        ctx.claimant.bytes().to_vec(),
        ctx.option.code(),
    );
    let cache = CACHE.get_or_init(Default::default);
    if let Some(p) = cache.lock().unwrap().get(&key) {
        return Binary::from(p.clone());
    }
    let f = fixture();
    let prepared =
        prepare(&f.snapshot.public, package(license), Details::Recompute).expect("eligible");
    let job = ProveJob {
        witness: prepared.witness.clone(),
        instance: prepared.instance(ctx),
    };
    let proof = f
        .prover
        .prove_with(&job, ChaCha20Rng::seed_from_u64(license))
        .expect("proof");
    cache.lock().unwrap().insert(key, proof.clone());
    Binary::from(proof)
}

fn claim_contract() -> Box<dyn Contract<Empty>> {
    Box::new(ContractWrapper::new(
        eligo_contract::contract::execute,
        eligo_contract::contract::instantiate,
        eligo_contract::contract::query,
    ))
}

fn cw20_contract() -> Box<dyn Contract<Empty>> {
    Box::new(ContractWrapper::new(
        cw20_base::contract::execute,
        cw20_base::contract::instantiate,
        cw20_base::contract::query,
    ))
}

fn cw721_contract() -> Box<dyn Contract<Empty>> {
    Box::new(ContractWrapper::new(
        cw721_base::entry::execute,
        cw721_base::entry::instantiate,
        cw721_base::entry::query,
    ))
}

struct World {
    app: App,
    admin: Addr,
    alice: Addr,
    bob: Addr,
    carol: Addr,
    treasury: Addr,
    nft: Addr,
    ifx: Addr,
    weth: Addr,
    claim: Addr,
    /// [`World::at`] refreshes the prices.
    fresh_prices: bool,
}

/// Instantiate message for the fixture's snapshot.
fn instantiate_msg(w: &World) -> InstantiateMsg {
    let f = fixture();
    InstantiateMsg {
        admin: None,
        treasury: w.treasury.to_string(),
        program_id: f.snapshot.public.program_id.clone(),
        registry_root: f.snapshot.public.registry_root.clone(),
        exclusion_root: f.snapshot.public.exclusion_root.clone(),
        threshold: None,
        capacity: 256,
        depth: 4,
        circuit_fingerprint: Some(f.prover.fingerprint().to_string()),
        verifying_key: f.key.clone().into(),
        generators: f.generators.clone().into(),
        tge: TGE,
        grace_period: Some(GRACE),
        // A day: the tests' clocks jump by hours.
        price_max_age: Some(MAX_PRICE_MAX_AGE),
        license_nft: w.nft.to_string(),
        ifx_token: w.ifx.to_string(),
        weth_token: w.weth.to_string(),
        fund_size: None,
        payout: None,
        prices: PricesMsg {
            ifx: IFX_PRICE.into(),
            eth: ETH_PRICE.into(),
        },
    }
}

/// Tokens, licenses, the claim contract; the fund holds `fund` IFX and the
/// reserve `weth_reserve` wETH (base units); licenses are approved for the
/// contract; the window is open.
fn world_with(fund: u128, weth_reserve: u128) -> World {
    let mut app = App::default();
    let api = app.api();
    let admin = api.addr_make("admin");
    let alice = api.addr_make("alice");
    let bob = api.addr_make("bob");
    let carol = api.addr_make("carol");
    let treasury = api.addr_make("treasury");
    let cw20_id = app.store_code(cw20_contract());
    let cw721_id = app.store_code(cw721_contract());
    let claim_id = app.store_code(claim_contract());
    let token = |app: &mut App, name: &str, symbol: &str| {
        app.instantiate_contract(
            cw20_id,
            admin.clone(),
            &cw20_base::msg::InstantiateMsg {
                name: name.into(),
                symbol: symbol.into(),
                decimals: 18,
                initial_balances: vec![Cw20Coin {
                    address: admin.to_string(),
                    amount: Uint128::new(20_000_000 * TOKEN_UNIT),
                }],
                mint: None,
                marketing: None,
            },
            &[],
            symbol,
            None,
        )
        .unwrap()
    };
    let ifx = token(&mut app, "IFX", "IFX");
    let weth = token(&mut app, "Wrapped Ether", "WETH");
    let nft = app
        .instantiate_contract(
            cw721_id,
            admin.clone(),
            &json!({"name": "Node license", "symbol": "NODE", "collection_info_extension": null,
                    "minter": admin.to_string(), "creator": null, "withdraw_address": null}),
            &[],
            "licenses",
            None,
        )
        .unwrap();
    let mut w = World {
        app,
        admin,
        alice,
        bob,
        carol,
        treasury,
        nft,
        ifx,
        weth,
        claim: Addr::unchecked(""),
        fresh_prices: true,
    };
    let msg = instantiate_msg(&w);
    w.claim = w
        .app
        .instantiate_contract(claim_id, w.admin.clone(), &msg, &[], "claim", None)
        .unwrap();
    let owners = [
        (ALICE_LICENSE, w.alice.clone()),
        (BOB_LICENSE, w.bob.clone()),
        (ALICE_SECOND, w.alice.clone()),
        (INELIGIBLE, w.carol.clone()),
        (BLACKLISTED, w.carol.clone()),
        (LAST, w.bob.clone()),
    ];
    for (license, owner) in &owners {
        w.mint(*license, owner);
        let claim = w.claim.clone();
        w.approve(owner, &claim, *license);
    }
    let priced: Vec<(u64, Uint128)> = owners
        .iter()
        .map(|(l, _)| (*l, Uint128::new(PURCHASE)))
        .collect();
    w.exec(
        &w.admin.clone(),
        &ExecuteMsg::SetPurchasePrices { prices: priced },
    )
    .unwrap();
    if fund > 0 {
        deposit(&mut w, true, fund).unwrap();
    }
    if weth_reserve > 0 {
        deposit(&mut w, false, weth_reserve).unwrap();
    }
    w.at(OPEN);
    w
}

/// The prices of the fixture, as `SetPrices` sends them.
fn prices() -> PricesMsg {
    PricesMsg {
        ifx: IFX_PRICE.into(),
        eth: ETH_PRICE.into(),
    }
}

/// The wETH reserve of [`world`].
const WETH_RESERVE: u128 = 10 * TOKEN_UNIT;

fn world_with_fund(fund: u128) -> World {
    world_with(fund, WETH_RESERVE)
}

fn world() -> World {
    world_with_fund(10_000_000 * TOKEN_UNIT)
}

/// cw20 `Send` of IFX (fund) or wETH (reserve) from the admin.
fn deposit(w: &mut World, ifx: bool, amount: u128) -> anyhow::Result<AppResponse> {
    let (token, msg) = if ifx {
        (w.ifx.clone(), ReceiveMsg::Fund {})
    } else {
        (w.weth.clone(), ReceiveMsg::WethReserve {})
    };
    w.app.execute_contract(
        w.admin.clone(),
        token,
        &Cw20ExecuteMsg::Send {
            contract: w.claim.to_string(),
            amount: amount.into(),
            msg: to_json_binary(&msg).unwrap(),
        },
        &[],
    )
}

impl World {
    fn exec(&mut self, sender: &Addr, msg: &ExecuteMsg) -> anyhow::Result<AppResponse> {
        self.app
            .execute_contract(sender.clone(), self.claim.clone(), msg, &[])
    }

    /// Moves the clock to `time` and, unless the test keeps them as they
    /// are, has the admin refresh the prices (same values, read now).
    fn at(&mut self, time: u64) {
        self.app.update_block(|b| {
            b.time = cosmwasm_std::Timestamp::from_seconds(time);
            b.height += 1;
        });
        if self.fresh_prices {
            let config: ConfigResponse = self.query(&QueryMsg::Config {});
            if config.prices_as_of < time {
                let msg = ExecuteMsg::SetPrices {
                    prices: config.prices,
                    as_of: None,
                };
                self.exec(&self.admin.clone(), &msg).unwrap();
            }
        }
    }

    /// Sets purchase prices on `contract` as the admin, the moment before
    /// the window opens (they are frozen after), then comes back.
    fn price_before_window(
        &mut self,
        contract: &Addr,
        prices: Vec<(u64, Uint128)>,
    ) -> anyhow::Result<AppResponse> {
        let now = self.now();
        self.at(OPEN - 1);
        let r = self.app.execute_contract(
            self.admin.clone(),
            contract.clone(),
            &ExecuteMsg::SetPurchasePrices { prices },
            &[],
        );
        self.at(now);
        r
    }

    /// What the quote query says a claim pays now (1 if it cannot say).
    fn quoted(&self, license: u64, option: PayoutOption) -> Uint128 {
        self.app
            .wrap()
            .query_wasm_smart::<QuoteResponse>(
                self.claim.clone(),
                &QueryMsg::Quote {
                    license_id: license,
                    option,
                },
            )
            .map_or(Uint128::one(), |q| q.amount.max(Uint128::one()))
    }

    fn now(&self) -> u64 {
        self.app.block_info().time.seconds()
    }

    /// The claim context the contract will compute for `claimant`.
    fn ctx(&self, claimant: &Addr, option: PayoutOption) -> ClaimContext {
        let api = self.app.api();
        let bytes = |a: &Addr| api.addr_canonicalize(a.as_str()).unwrap().to_vec();
        ClaimContext {
            chain_id: chain_id_from_name(&self.app.block_info().chain_id),
            contract: Address::from_bytes(&bytes(&self.claim)).unwrap(),
            claimant: Address::from_bytes(&bytes(claimant)).unwrap(),
            option: match option {
                PayoutOption::Ifx => eligo_circuits::PayoutOption::Ifx,
                PayoutOption::Weth => eligo_circuits::PayoutOption::Weth,
            },
        }
    }

    fn claim_msg(&self, license: u64, claimant: &Addr, option: PayoutOption) -> ExecuteMsg {
        ExecuteMsg::Claim {
            license_id: license,
            option,
            proof: prove(license, &self.ctx(claimant, option)),
            exclusion_root: None,
            min_amount: self.quoted(license, option),
        }
    }

    /// Mints `license` to `owner` (as the admin, the collection's minter).
    fn mint(&mut self, license: u64, owner: &Addr) {
        self.app
            .execute_contract(
                self.admin.clone(),
                self.nft.clone(),
                &json!({"mint": {"token_id": license.to_string(), "owner": owner.to_string(),
                                 "token_uri": null, "extension": null}}),
                &[],
            )
            .unwrap();
    }

    /// Approves `spender` for `license` on behalf of `owner`.
    fn approve(&mut self, owner: &Addr, spender: &Addr, license: u64) {
        self.app
            .execute_contract(
                owner.clone(),
                self.nft.clone(),
                &json!({"approve": {"spender": spender.to_string(),
                                    "token_id": license.to_string(), "expires": null}}),
                &[],
            )
            .unwrap();
    }

    fn claim(
        &mut self,
        sender: &Addr,
        license: u64,
        option: PayoutOption,
    ) -> anyhow::Result<AppResponse> {
        let msg = self.claim_msg(license, sender, option);
        self.exec(sender, &msg)
    }

    fn query<T: serde::de::DeserializeOwned>(&self, msg: &QueryMsg) -> T {
        self.app
            .wrap()
            .query_wasm_smart(self.claim.clone(), msg)
            .unwrap()
    }

    fn balance(&self, token: &Addr, who: &Addr) -> u128 {
        let r: cw20::BalanceResponse = self
            .app
            .wrap()
            .query_wasm_smart(
                token.clone(),
                &cw20::Cw20QueryMsg::Balance {
                    address: who.to_string(),
                },
            )
            .unwrap();
        r.balance.u128()
    }

    fn owner_of(&self, license: u64) -> String {
        let r: serde_json::Value = self
            .app
            .wrap()
            .query_wasm_smart(
                self.nft.clone(),
                &json!({"owner_of": {"token_id": license.to_string(), "include_expired": null}}),
            )
            .unwrap();
        r["owner"].as_str().unwrap().to_string()
    }

    fn status(&self, license: u64) -> ClaimStatusResponse {
        self.query(&QueryMsg::ClaimStatus {
            license_id: license,
        })
    }

    fn fund(&self) -> FundResponse {
        self.query(&QueryMsg::Fund {})
    }

    fn vesting(&self, who: &Addr) -> VestingResponse {
        self.query(&QueryMsg::Vesting {
            address: who.to_string(),
            start_after: None,
            limit: None,
        })
    }
}

/// Withdraws every vested schedule (one page holds them all here).
const WITHDRAW: ExecuteMsg = ExecuteMsg::WithdrawVested {
    start_after: None,
    limit: None,
};

/// A claim message with one field changed.
fn with(
    msg: &ExecuteMsg,
    change: impl FnOnce(&mut u64, &mut Option<String>, &mut Uint128),
) -> ExecuteMsg {
    let mut msg = msg.clone();
    if let ExecuteMsg::Claim {
        license_id,
        exclusion_root,
        min_amount,
        ..
    } = &mut msg
    {
        change(license_id, exclusion_root, min_amount);
    }
    msg
}

/// Calls `f` on the contract error inside a failed action.
fn with_err<T>(r: anyhow::Result<AppResponse>, f: impl FnOnce(&ContractError) -> T) -> T {
    let e = r.expect_err("the action should fail");
    match e.downcast_ref::<ContractError>() {
        Some(c) => f(c),
        None => panic!("not a contract error: {}", e.root_cause()),
    }
}

fn rule(r: anyhow::Result<AppResponse>) -> RuleError {
    with_err(r, |e| match e {
        ContractError::Rule(r) => r.clone(),
        other => panic!("expected a rule error, got {other}"),
    })
}

fn invalid_proof(r: anyhow::Result<AppResponse>) {
    match rule(r) {
        RuleError::InvalidProof(_) => {}
        other => panic!("expected an invalid proof, got {other}"),
    }
}

#[test]
fn eligible_ifx_claim_vests_over_30_days_and_moves_the_license() {
    let mut w = world();
    let alice = w.alice.clone();
    let before = w.fund();
    w.claim(&alice, ALICE_LICENSE, PayoutOption::Ifx).unwrap();
    assert_eq!(w.owner_of(ALICE_LICENSE), w.treasury.to_string());
    let status = w.status(ALICE_LICENSE).claim.expect("claimed");
    assert_eq!(status.claimant, alice.to_string());
    assert_eq!(status.option, PayoutOption::Ifx);
    assert_eq!(status.amount.u128(), IFX_PAYOUT);
    let after = w.fund();
    assert_eq!(after.committed.u128(), IFX_PAYOUT);
    assert_eq!(after.remaining.u128(), before.remaining.u128() - IFX_PAYOUT);

    // Day 0, 15, 30 (and beyond).
    let start = w.now();
    let v = w.vesting(&alice);
    assert_eq!((v.total.u128(), v.claimable.u128()), (IFX_PAYOUT, 0));
    with_err(w.exec(&alice, &WITHDRAW), |e| {
        assert!(matches!(e, ContractError::NothingToWithdraw(_)), "{e}")
    });
    w.at(start + 15 * DAY);
    assert_eq!(w.vesting(&alice).claimable.u128(), IFX_PAYOUT / 2);
    w.exec(&alice, &WITHDRAW).unwrap();
    assert_eq!(w.balance(&w.ifx.clone(), &alice), IFX_PAYOUT / 2);
    assert_eq!(w.vesting(&alice).claimable.u128(), 0);
    w.at(start + 30 * DAY);
    let v = w.vesting(&alice);
    assert_eq!(
        (v.vested.u128(), v.withdrawn.u128(), v.claimable.u128()),
        (IFX_PAYOUT, IFX_PAYOUT / 2, IFX_PAYOUT / 2)
    );
    w.exec(&alice, &WITHDRAW).unwrap();
    w.at(start + 90 * DAY);
    assert_eq!(w.vesting(&alice).claimable.u128(), 0);
    assert_eq!(w.balance(&w.ifx.clone(), &alice), IFX_PAYOUT);
    // Bob has nothing vesting.
    let bob = w.bob.clone();
    assert_eq!(w.vesting(&bob).total.u128(), 0);
}

#[test]
fn eligible_weth_claim_pays_80_percent_at_once() {
    let mut w = world();
    let bob = w.bob.clone();
    let quote: QuoteResponse = w.query(&QueryMsg::Quote {
        license_id: BOB_LICENSE,
        option: PayoutOption::Weth,
    });
    assert_eq!(quote.amount.u128(), WETH_PAYOUT);
    w.claim(&bob, BOB_LICENSE, PayoutOption::Weth).unwrap();
    assert_eq!(w.balance(&w.weth.clone(), &bob), WETH_PAYOUT);
    assert_eq!(w.owner_of(BOB_LICENSE), w.treasury.to_string());
    let f = w.fund();
    assert_eq!(f.committed.u128(), 0, "wETH does not draw on the IFX fund");
    assert_eq!(f.weth_reserve.u128(), WETH_RESERVE - WETH_PAYOUT);
    assert_eq!(w.vesting(&bob).total.u128(), 0);
}

#[test]
fn last_license_index_with_a_full_log_claims() {
    let mut w = world();
    let bob = w.bob.clone();
    w.claim(&bob, LAST, PayoutOption::Weth).unwrap();
    assert!(w.status(LAST).claim.is_some());
}

#[test]
fn a_replayed_claim_is_refused() {
    let mut w = world();
    let alice = w.alice.clone();
    let msg = w.claim_msg(ALICE_LICENSE, &alice, PayoutOption::Ifx);
    w.exec(&alice, &msg).unwrap();
    assert_eq!(
        rule(w.exec(&alice, &msg)),
        RuleError::AlreadyClaimed(ALICE_LICENSE)
    );
    // Even with the other option and a fresh proof: the license id is the
    // nullifier.
    assert_eq!(
        rule(w.claim(&alice, ALICE_LICENSE, PayoutOption::Weth)),
        RuleError::AlreadyClaimed(ALICE_LICENSE)
    );
    assert_eq!(w.fund().committed.u128(), IFX_PAYOUT);
}

#[test]
fn a_proof_for_another_claimant_is_refused() {
    let mut w = world();
    let (alice, carol) = (w.alice.clone(), w.carol.clone());
    let alices = w.claim_msg(ALICE_LICENSE, &alice, PayoutOption::Ifx);
    // Front-running: Carol copies Alice's message from the mempool.
    assert_eq!(
        rule(w.exec(&carol, &alices)),
        RuleError::NotOwner {
            license: ALICE_LICENSE,
            sender: carol.to_string()
        }
    );
    // Carol even owning the license does not help: the proof is bound to
    // Alice as claimant.
    w.app
        .execute_contract(
            alice.clone(),
            w.nft.clone(),
            &json!({"transfer_nft": {"recipient": carol.to_string(),
                                     "token_id": ALICE_LICENSE.to_string()}}),
            &[],
        )
        .unwrap();
    let claim = w.claim.clone();
    w.approve(&carol, &claim, ALICE_LICENSE);
    invalid_proof(w.exec(&carol, &alices));
    // Her own proof works.
    w.claim(&carol, ALICE_LICENSE, PayoutOption::Ifx).unwrap();
}

#[test]
fn the_option_in_the_message_must_be_the_proven_one() {
    let mut w = world();
    let alice = w.alice.clone();
    let ifx_proof = prove(ALICE_LICENSE, &w.ctx(&alice, PayoutOption::Ifx));
    let msg = ExecuteMsg::Claim {
        license_id: ALICE_LICENSE,
        option: PayoutOption::Weth,
        proof: ifx_proof.clone(),
        exclusion_root: None,
        min_amount: Uint128::one(),
    };
    invalid_proof(w.exec(&alice, &msg));
    // Another license id in the message.
    let msg = ExecuteMsg::Claim {
        license_id: ALICE_SECOND,
        option: PayoutOption::Ifx,
        proof: ifx_proof.clone(),
        exclusion_root: None,
        min_amount: Uint128::one(),
    };
    invalid_proof(w.exec(&alice, &msg));
    // A flipped byte, trailing bytes, garbage.
    let mut bytes = ifx_proof.to_vec();
    bytes[100] ^= 1;
    for proof in [bytes, [ifx_proof.to_vec(), vec![0]].concat(), vec![7; 64]] {
        let msg = ExecuteMsg::Claim {
            license_id: ALICE_LICENSE,
            option: PayoutOption::Ifx,
            proof: proof.into(),
            exclusion_root: None,
            min_amount: Uint128::one(),
        };
        invalid_proof(w.exec(&alice, &msg));
    }
    assert!(w.status(ALICE_LICENSE).claim.is_none());
    assert_eq!(w.owner_of(ALICE_LICENSE), alice.to_string());
}

#[test]
fn a_proof_for_another_chain_is_refused() {
    let mut w = world();
    let alice = w.alice.clone();
    let msg = w.claim_msg(ALICE_LICENSE, &alice, PayoutOption::Ifx);
    w.app
        .update_block(|b| b.chain_id = "another-chain-1".into());
    invalid_proof(w.exec(&alice, &msg));
}

#[test]
fn the_window_is_enforced_at_both_ends() {
    let mut w = world();
    let alice = w.alice.clone();
    let close = OPEN + 7 * DAY;
    w.at(OPEN - 1);
    assert_eq!(
        rule(w.claim(&alice, ALICE_LICENSE, PayoutOption::Ifx)),
        RuleError::WindowNotOpen {
            open: OPEN,
            now: OPEN - 1
        }
    );
    w.at(close);
    assert_eq!(
        rule(w.claim(&alice, ALICE_LICENSE, PayoutOption::Ifx)),
        RuleError::WindowClosed { close, now: close }
    );
    w.at(close - 1);
    w.claim(&alice, ALICE_LICENSE, PayoutOption::Ifx).unwrap();
    let config: ConfigResponse = w.query(&QueryMsg::Config {});
    assert_eq!(config.window, (OPEN, close));
    // Six calendar months, not 182 days.
    assert_eq!(window_from_tge(TGE), Some((OPEN, close)));
    assert_ne!(OPEN, TGE + 182 * DAY);
}

#[test]
fn the_admin_may_extend_the_window_never_shorten_it() {
    let mut w = world();
    let (alice, admin) = (w.alice.clone(), w.admin.clone());
    let close = OPEN + 7 * DAY;
    let extend = |close| ExecuteMsg::ExtendWindow { close };
    assert_eq!(
        rule(w.exec(&alice, &extend(close + DAY))),
        RuleError::Unauthorized
    );
    for bad in [close - 1, close, close + 31 * DAY] {
        assert!(
            matches!(
                rule(w.exec(&admin, &extend(bad))),
                RuleError::BadExtension { .. }
            ),
            "{bad}"
        );
    }
    // The chain halted through the last day: the admin adds two.
    w.at(close + 60);
    assert_eq!(
        rule(w.claim(&alice, ALICE_LICENSE, PayoutOption::Ifx)),
        RuleError::WindowClosed {
            close,
            now: close + 60
        }
    );
    let r = w.exec(&admin, &extend(close + 2 * DAY)).unwrap();
    assert!(r.has_event(
        &cosmwasm_std::Event::new("wasm")
            .add_attribute("action", "extend_window")
            .add_attribute("window_open", OPEN.to_string())
            .add_attribute("previous_close", close.to_string())
            .add_attribute("window_close", (close + 2 * DAY).to_string())
    ));
    let config: ConfigResponse = w.query(&QueryMsg::Config {});
    assert_eq!(config.window, (OPEN, close + 2 * DAY));
    w.claim(&alice, ALICE_LICENSE, PayoutOption::Ifx).unwrap();
    // And never back.
    assert!(matches!(
        rule(w.exec(&admin, &extend(close + DAY))),
        RuleError::BadExtension { .. }
    ));
    w.at(close + 2 * DAY);
    assert!(matches!(
        rule(w.claim(&alice, ALICE_SECOND, PayoutOption::Ifx)),
        RuleError::WindowClosed { .. }
    ));
}

#[test]
fn purchase_prices_freeze_when_the_window_opens() {
    let mut w = world();
    let admin = w.admin.clone();
    let lower = ExecuteMsg::SetPurchasePrices {
        prices: vec![(ALICE_LICENSE, Uint128::new(1))],
    };
    assert_eq!(
        rule(w.exec(&admin, &lower)),
        RuleError::PurchasePricesFrozen { open: OPEN }
    );
    let quote: QuoteResponse = w.query(&QueryMsg::Quote {
        license_id: ALICE_LICENSE,
        option: PayoutOption::Ifx,
    });
    assert_eq!(quote.purchase_usdt.u128(), PURCHASE);
    // Before the window they can change, with an event per license.
    w.at(OPEN - 1);
    let r = w.exec(&admin, &lower).unwrap();
    assert!(r.has_event(
        &cosmwasm_std::Event::new("wasm-eligo_purchase_price")
            .add_attribute("license_id", ALICE_LICENSE.to_string())
            .add_attribute("purchase_usdt", "1")
    ));
}

#[test]
fn claims_refuse_stale_prices() {
    let mut w = world();
    let (alice, admin) = (w.alice.clone(), w.admin.clone());
    w.fresh_prices = false;
    let config: ConfigResponse = w.query(&QueryMsg::Config {});
    let as_of = config.prices_as_of;
    assert_eq!(as_of, OPEN);
    let max_age = config.price_max_age;
    w.at(as_of + max_age);
    let msg = w.claim_msg(ALICE_LICENSE, &alice, PayoutOption::Ifx);
    w.at(as_of + max_age + 1);
    assert_eq!(
        rule(w.exec(&alice, &msg)),
        RuleError::PricesStale {
            as_of,
            max_age,
            now: as_of + max_age + 1
        }
    );
    let quote: QuoteResponse = w.query(&QueryMsg::Quote {
        license_id: ALICE_LICENSE,
        option: PayoutOption::Ifx,
    });
    assert!(quote.refusal.unwrap().contains("prices are stale"));
    // Prices in the future, or older than the current ones, are refused.
    let now = w.now();
    let set = |as_of| ExecuteMsg::SetPrices {
        prices: prices(),
        as_of: Some(as_of),
    };
    assert_eq!(
        rule(w.exec(&admin, &set(now + 1))),
        RuleError::PricesFromTheFuture {
            as_of: now + 1,
            now
        }
    );
    assert_eq!(
        rule(w.exec(&admin, &set(as_of - 1))),
        RuleError::OlderPrices {
            as_of: as_of - 1,
            current: as_of
        }
    );
    // Fresh prices, with an event carrying their values and time.
    let r = w.exec(&admin, &set(now - 5)).unwrap();
    assert!(r.has_event(
        &cosmwasm_std::Event::new("wasm")
            .add_attribute("action", "set_prices")
            .add_attribute("ifx", IFX_PRICE.to_string())
            .add_attribute("eth", ETH_PRICE.to_string())
            .add_attribute("as_of", (now - 5).to_string())
    ));
    w.exec(&alice, &msg).unwrap();
}

#[test]
fn a_lowered_price_cannot_shortchange_a_claim_with_its_quote() {
    // The audit's attack: the admin moves a price between the holder's
    // quote and the claim. The quote's amount, as min_amount, refuses it,
    // and the license stays with its owner.
    let mut w = world();
    let (alice, admin) = (w.alice.clone(), w.admin.clone());
    let msg = w.claim_msg(ALICE_LICENSE, &alice, PayoutOption::Ifx);
    w.exec(
        &admin,
        &ExecuteMsg::SetPrices {
            prices: PricesMsg {
                ifx: Uint128::new(IFX_PRICE * 1_000_000_000),
                eth: ETH_PRICE.into(),
            },
            as_of: None,
        },
    )
    .unwrap();
    assert_eq!(
        rule(w.exec(&alice, &msg)),
        RuleError::BelowMinimum {
            amount: IFX_PAYOUT / 1_000_000_000,
            min_amount: IFX_PAYOUT
        }
    );
    assert_eq!(w.owner_of(ALICE_LICENSE), alice.to_string());
    // A claim without a minimum is not a claim.
    let zero = with(&msg, |_, _, m| *m = Uint128::zero());
    assert_eq!(rule(w.exec(&alice, &zero)), RuleError::NoMinimum);
    let mut raw = serde_json::to_value(&msg).unwrap();
    raw["claim"].as_object_mut().unwrap().remove("min_amount");
    let e = w
        .app
        .execute_contract(alice.clone(), w.claim.clone(), &raw, &[])
        .unwrap_err();
    assert!(format!("{e:#}").contains("min_amount"), "{e:#}");
}

#[test]
fn the_quote_is_what_the_claim_pays() {
    let mut w = world();
    let (alice, bob, admin) = (w.alice.clone(), w.bob.clone(), w.admin.clone());
    // An odd price, so that rounding shows.
    w.exec(
        &admin,
        &ExecuteMsg::SetPrices {
            prices: PricesMsg {
                ifx: Uint128::new(333_333),
                eth: Uint128::new(1_234_567_891),
            },
            as_of: None,
        },
    )
    .unwrap();
    for (who, license, option) in [
        (&alice, ALICE_LICENSE, PayoutOption::Ifx),
        (&bob, BOB_LICENSE, PayoutOption::Weth),
    ] {
        let quote: QuoteResponse = w.query(&QueryMsg::Quote {
            license_id: license,
            option,
        });
        assert_eq!(quote.refusal, None);
        assert_eq!((quote.license_id, quote.option), (license, option));
        let r = w.claim(who, license, option).unwrap();
        let claimed = w.status(license).claim.unwrap();
        assert_eq!(claimed.amount, quote.amount, "{option:?}");
        let event = r
            .events
            .iter()
            .find(|e| e.ty == "wasm-eligo_claim")
            .expect("a claim event");
        let attr = |k: &str| {
            event
                .attributes
                .iter()
                .find(|a| a.key == k)
                .map(|a| a.value.clone())
                .unwrap_or_else(|| panic!("no {k}"))
        };
        assert_eq!(attr("license_id"), license.to_string());
        assert_eq!(attr("claimant"), who.to_string());
        assert_eq!(attr("amount"), quote.amount.to_string());
        assert_eq!(attr("purchase_usdt"), PURCHASE.to_string());
        assert_eq!(attr("ifx_price"), "333333");
        assert_eq!(attr("eth_price"), "1234567891");
        assert_eq!(attr("prices_as_of"), quote.prices_as_of.to_string());
        assert_eq!(
            attr("exclusion_root"),
            fixture().snapshot.public.exclusion_root
        );
        assert_eq!(
            attr("option"),
            if option == PayoutOption::Ifx {
                "ifx"
            } else {
                "weth"
            }
        );
        // Claimed: the quote says so.
        let quote: QuoteResponse = w.query(&QueryMsg::Quote {
            license_id: license,
            option,
        });
        assert!(quote.claimed && quote.refusal.unwrap().contains("already been claimed"));
    }
}

#[test]
fn a_pause_stops_claims_but_never_withdrawals() {
    let mut w = world();
    let (alice, admin) = (w.alice.clone(), w.admin.clone());
    w.claim(&alice, ALICE_LICENSE, PayoutOption::Ifx).unwrap();
    assert_eq!(
        rule(w.exec(&alice, &ExecuteMsg::Pause {})),
        RuleError::Unauthorized
    );
    w.exec(&admin, &ExecuteMsg::Pause {}).unwrap();
    let config: ConfigResponse = w.query(&QueryMsg::Config {});
    assert!(config.paused);
    assert_eq!(
        rule(w.claim(&alice, ALICE_SECOND, PayoutOption::Ifx)),
        RuleError::Paused
    );
    let batch = ExecuteMsg::ClaimBatch {
        claims: vec![batch_item(&w, ALICE_SECOND, &alice, PayoutOption::Ifx)],
    };
    assert_eq!(rule(w.exec(&alice, &batch)), RuleError::Paused);
    let quote: QuoteResponse = w.query(&QueryMsg::Quote {
        license_id: ALICE_SECOND,
        option: PayoutOption::Ifx,
    });
    assert!(quote.refusal.unwrap().contains("paused"));
    // Vesting goes on.
    w.at(w.now() + 15 * DAY);
    w.exec(&alice, &WITHDRAW).unwrap();
    assert_eq!(w.balance(&w.ifx.clone(), &alice), IFX_PAYOUT / 2);
    assert_eq!(
        rule(w.exec(&alice, &ExecuteMsg::Unpause {})),
        RuleError::Unauthorized
    );
    w.exec(&admin, &ExecuteMsg::Unpause {}).unwrap();
    w.at(OPEN + DAY);
    w.claim(&alice, ALICE_SECOND, PayoutOption::Ifx).unwrap();
}

#[test]
fn vesting_is_read_and_withdrawn_by_pages() {
    let mut w = world();
    let alice = w.alice.clone();
    w.claim(&alice, ALICE_LICENSE, PayoutOption::Ifx).unwrap();
    w.claim(&alice, ALICE_SECOND, PayoutOption::Ifx).unwrap();
    let page = |w: &World, start_after, limit| -> VestingResponse {
        w.query(&QueryMsg::Vesting {
            address: alice.to_string(),
            start_after,
            limit,
        })
    };
    let first = page(&w, None, Some(1));
    assert_eq!(first.schedules.len(), 1);
    assert_eq!(first.schedules[0].license_id, ALICE_LICENSE);
    assert_eq!(first.next_start_after, Some(ALICE_LICENSE));
    let second = page(&w, Some(ALICE_LICENSE), Some(1));
    assert_eq!(second.schedules[0].license_id, ALICE_SECOND);
    assert_eq!(second.next_start_after, None);
    let all = page(&w, None, None);
    assert_eq!((all.schedules.len(), all.next_start_after), (2, None));
    assert_eq!(all.total.u128(), 2 * IFX_PAYOUT);
    // A limit of 0 still reads one; a huge one is capped.
    assert_eq!(page(&w, None, Some(0)).schedules.len(), 1);
    assert_eq!(page(&w, None, Some(u32::MAX)).schedules.len(), 2);
    // Withdrawing one page takes only its schedules.
    w.at(w.now() + 30 * DAY);
    let r = w
        .exec(
            &alice,
            &ExecuteMsg::WithdrawVested {
                start_after: None,
                limit: Some(1),
            },
        )
        .unwrap();
    assert!(r.has_event(
        &cosmwasm_std::Event::new("wasm")
            .add_attribute("amount", IFX_PAYOUT.to_string())
            .add_attribute("next_start_after", ALICE_LICENSE.to_string())
    ));
    assert_eq!(w.balance(&w.ifx.clone(), &alice), IFX_PAYOUT);
    let rest = ExecuteMsg::WithdrawVested {
        start_after: Some(ALICE_LICENSE),
        limit: Some(1),
    };
    w.exec(&alice, &rest).unwrap();
    assert_eq!(w.balance(&w.ifx.clone(), &alice), 2 * IFX_PAYOUT);
    with_err(w.exec(&alice, &rest), |e| {
        assert!(matches!(e, ContractError::NothingToWithdraw(_)), "{e}")
    });
    assert_eq!(w.fund().committed.u128(), 2 * IFX_PAYOUT);
}

#[test]
fn an_exhausted_fund_fails_clearly() {
    let mut w = world_with_fund(IFX_PAYOUT - 1);
    let alice = w.alice.clone();
    assert_eq!(
        rule(w.claim(&alice, ALICE_LICENSE, PayoutOption::Ifx)),
        RuleError::FundExhausted {
            remaining: IFX_PAYOUT - 1,
            needed: IFX_PAYOUT
        }
    );
    // Exactly enough.
    deposit(&mut w, true, 1).unwrap();
    w.claim(&alice, ALICE_LICENSE, PayoutOption::Ifx).unwrap();
    assert_eq!(w.fund().remaining.u128(), 0);
    // Now empty: the next IFX claim fails, wETH still pays.
    assert!(matches!(
        rule(w.claim(&alice, ALICE_SECOND, PayoutOption::Ifx)),
        RuleError::FundExhausted { remaining: 0, .. }
    ));
    w.claim(&alice, ALICE_SECOND, PayoutOption::Weth).unwrap();
    // The fund never grows past its size.
    assert!(matches!(
        rule(deposit(&mut w, true, 10_000_000 * TOKEN_UNIT)),
        RuleError::FundCapExceeded { .. }
    ));
}

#[test]
fn a_stale_exclusion_root_is_accepted_only_within_the_grace_period() {
    let mut w = world();
    let (alice, bob, admin) = (w.alice.clone(), w.bob.clone(), w.admin.clone());
    let old_root = fixture().snapshot.public.exclusion_root.clone();
    let new_root = fp_to_hex(&Fp::from(0xb1ac_u64));
    // Only the admin rotates.
    assert_eq!(
        rule(w.exec(
            &alice,
            &ExecuteMsg::RotateExclusionRoot {
                root: new_root.clone()
            }
        )),
        RuleError::Unauthorized
    );
    let rotated_at = w.now();
    w.exec(
        &admin,
        &ExecuteMsg::RotateExclusionRoot {
            root: new_root.clone(),
        },
    )
    .unwrap();
    let roots: ExclusionRootsResponse = w.query(&QueryMsg::ExclusionRoots {});
    assert_eq!(roots.current, new_root);
    assert_eq!(roots.previous[0].root, old_root);
    assert_eq!(roots.previous[0].accepted_until, rotated_at + GRACE);

    // Proofs made against the old root: the message must name it.
    let stale = |w: &World, license: u64, who: &Addr| {
        let mut msg = w.claim_msg(license, who, PayoutOption::Weth);
        if let ExecuteMsg::Claim { exclusion_root, .. } = &mut msg {
            *exclusion_root = Some(old_root.clone());
        }
        msg
    };
    // Not naming it means the current root: the proof does not match.
    let unnamed = w.claim_msg(ALICE_LICENSE, &alice, PayoutOption::Weth);
    invalid_proof(w.exec(&alice, &unnamed));
    // Inside the grace period.
    w.at(rotated_at + GRACE - 1);
    let msg = stale(&w, ALICE_LICENSE, &alice);
    w.exec(&alice, &msg).unwrap();
    // At its end and after.
    w.at(rotated_at + GRACE);
    let msg = stale(&w, BOB_LICENSE, &bob);
    assert_eq!(rule(w.exec(&bob, &msg)), RuleError::StaleExclusionRoot);
}

#[test]
fn unknown_licenses_non_owners_and_unapproved_licenses_are_refused() {
    let mut w = world();
    let (alice, bob) = (w.alice.clone(), w.bob.clone());
    let alices = w.claim_msg(ALICE_LICENSE, &alice, PayoutOption::Ifx);
    let unknown = with(&alices, |l, _, _| *l = UNKNOWN);
    // Neither minted nor priced.
    assert_eq!(
        rule(w.exec(&alice, &unknown)),
        RuleError::UnknownLicense(UNKNOWN)
    );
    // Priced, not minted.
    let claim = w.claim.clone();
    w.price_before_window(&claim, vec![(UNKNOWN, Uint128::new(PURCHASE))])
        .unwrap();
    assert_eq!(
        rule(w.exec(&alice, &unknown)),
        RuleError::UnknownLicense(UNKNOWN)
    );
    // Minted, not priced.
    let mut w = world();
    w.mint(UNKNOWN, &alice);
    assert_eq!(
        rule(w.exec(&alice, &unknown)),
        RuleError::UnknownLicense(UNKNOWN)
    );
    // Bob does not own Alice's license.
    assert_eq!(
        rule(w.claim(&bob, ALICE_LICENSE, PayoutOption::Ifx)),
        RuleError::NotOwner {
            license: ALICE_LICENSE,
            sender: bob.to_string()
        }
    );
    // A license whose approval was revoked.
    w.app
        .execute_contract(
            alice.clone(),
            w.nft.clone(),
            &json!({"revoke": {"spender": w.claim.to_string(),
                               "token_id": ALICE_LICENSE.to_string()}}),
            &[],
        )
        .unwrap();
    with_err(w.exec(&alice, &alices), |e| {
        assert_eq!(e, &ContractError::NotApproved(ALICE_LICENSE))
    });
    // An operator approval is enough.
    w.app
        .execute_contract(
            alice.clone(),
            w.nft.clone(),
            &json!({"approve_all": {"operator": w.claim.to_string(), "expires": null}}),
            &[],
        )
        .unwrap();
    w.exec(&alice, &alices).unwrap();
}

#[test]
fn ineligible_and_excluded_licenses_cannot_claim() {
    let mut w = world();
    let carol = w.carol.clone();
    let f = fixture();
    for license in [INELIGIBLE, BLACKLISTED] {
        let prepared = prepare(&f.snapshot.public, package(license), Details::Recompute).unwrap();
        assert!(!matches!(prepared.verdict, Verdict::Eligible { .. }));
        // Force a proof out of the prover anyway: the witness breaks the
        // circuit, so whatever comes out must not pass the contract.
        let job = ProveJob {
            witness: prepared.witness.clone(),
            instance: prepared.instance(&w.ctx(&carol, PayoutOption::Weth)),
        };
        if let Ok(proof) = f
            .prover
            .prove_with(&job, ChaCha20Rng::seed_from_u64(license))
        {
            let msg = ExecuteMsg::Claim {
                license_id: license,
                option: PayoutOption::Weth,
                proof: proof.into(),
                exclusion_root: None,
                min_amount: Uint128::one(),
            };
            invalid_proof(w.exec(&carol, &msg));
        }
        assert!(w.status(license).claim.is_none());
    }
}

#[test]
fn a_claim_may_ask_for_a_minimum_amount() {
    let mut w = world();
    let (alice, admin) = (w.alice.clone(), w.admin.clone());
    let msg = w.claim_msg(ALICE_LICENSE, &alice, PayoutOption::Ifx);
    let ask = |min: u128| with(&msg, |_, _, m| *m = Uint128::new(min));
    // The admin doubles the IFX price just before the claim lands.
    w.exec(
        &admin,
        &ExecuteMsg::SetPrices {
            prices: PricesMsg {
                ifx: Uint128::new(2 * IFX_PRICE),
                eth: Uint128::new(ETH_PRICE),
            },
            as_of: None,
        },
    )
    .unwrap();
    assert_eq!(
        rule(w.exec(&alice, &ask(IFX_PAYOUT))),
        RuleError::BelowMinimum {
            amount: IFX_PAYOUT / 2,
            min_amount: IFX_PAYOUT
        }
    );
    w.exec(&alice, &ask(IFX_PAYOUT / 2)).unwrap();
    assert_eq!(w.vesting(&alice).total.u128(), IFX_PAYOUT / 2);
}

#[test]
fn a_short_weth_reserve_fails_clearly() {
    let mut w = world_with(10_000_000 * TOKEN_UNIT, WETH_PAYOUT - 1);
    let bob = w.bob.clone();
    assert_eq!(
        rule(w.claim(&bob, BOB_LICENSE, PayoutOption::Weth)),
        RuleError::WethReserveShort {
            available: WETH_PAYOUT - 1,
            needed: WETH_PAYOUT
        }
    );
    let quote: QuoteResponse = w.query(&QueryMsg::Quote {
        license_id: BOB_LICENSE,
        option: PayoutOption::Weth,
    });
    assert!(!quote.covered && !quote.claimed);
    deposit(&mut w, false, 1).unwrap();
    w.claim(&bob, BOB_LICENSE, PayoutOption::Weth).unwrap();
    let quote: QuoteResponse = w.query(&QueryMsg::Quote {
        license_id: BOB_LICENSE,
        option: PayoutOption::Weth,
    });
    assert!(quote.claimed);
    assert_eq!(w.fund().weth_reserve.u128(), 0);
}

#[test]
fn several_ifx_claims_vest_side_by_side() {
    let mut w = world();
    let alice = w.alice.clone();
    w.claim(&alice, ALICE_LICENSE, PayoutOption::Ifx).unwrap();
    let first = w.now();
    w.at(first + 3 * DAY);
    w.claim(&alice, ALICE_SECOND, PayoutOption::Ifx).unwrap();
    // Day 20 of the first schedule, day 17 of the second.
    w.at(first + 20 * DAY);
    let v = w.vesting(&alice);
    assert_eq!(v.schedules.len(), 2);
    assert_eq!(v.total.u128(), 2 * IFX_PAYOUT);
    let expected = IFX_PAYOUT * 20 / 30 + IFX_PAYOUT * 17 / 30;
    assert_eq!(v.claimable.u128(), expected);
    w.exec(&alice, &WITHDRAW).unwrap();
    assert_eq!(w.balance(&w.ifx.clone(), &alice), expected);
    w.at(first + 40 * DAY);
    w.exec(&alice, &WITHDRAW).unwrap();
    assert_eq!(w.balance(&w.ifx.clone(), &alice), 2 * IFX_PAYOUT);
}

#[test]
fn exclusion_roots_are_checked_and_rotated_with_care() {
    let mut w = world();
    let (alice, admin) = (w.alice.clone(), w.admin.clone());
    let current = fixture().snapshot.public.exclusion_root.clone();
    assert_eq!(
        rule(w.exec(
            &admin,
            &ExecuteMsg::RotateExclusionRoot {
                root: current.clone()
            }
        )),
        RuleError::SameExclusionRoot
    );
    let msg = w.claim_msg(ALICE_LICENSE, &alice, PayoutOption::Ifx);
    // A root that was never current.
    let never = with(&msg, |_, r, _| *r = Some(fp_to_hex(&Fp::from(77u64))));
    assert_eq!(rule(w.exec(&alice, &never)), RuleError::StaleExclusionRoot);
    // A malformed root.
    let malformed = with(&msg, |_, r, _| *r = Some("0x1234".into()));
    with_err(w.exec(&alice, &malformed), |e| {
        assert!(
            matches!(
                e,
                ContractError::BadField {
                    field: "exclusion_root",
                    ..
                }
            ),
            "{e}"
        )
    });
    // Naming the current root explicitly works.
    w.exec(&alice, &with(&msg, |_, r, _| *r = Some(current.clone())))
        .unwrap();
    // Replaced roots leave the query once their grace period is over.
    let rotated_at = w.now();
    w.exec(
        &admin,
        &ExecuteMsg::RotateExclusionRoot {
            root: fp_to_hex(&Fp::from(78u64)),
        },
    )
    .unwrap();
    let roots: ExclusionRootsResponse = w.query(&QueryMsg::ExclusionRoots {});
    assert_eq!(roots.previous.len(), 1);
    w.at(rotated_at + GRACE);
    let roots: ExclusionRootsResponse = w.query(&QueryMsg::ExclusionRoots {});
    assert!(roots.previous.is_empty());
}

#[test]
fn deposits_come_only_from_the_right_token() {
    let mut w = world_with(0, 0);
    let (admin, alice) = (w.admin.clone(), w.alice.clone());
    let (weth, ifx, claim) = (w.weth.clone(), w.ifx.clone(), w.claim.clone());
    for (token, msg) in [
        (weth, ReceiveMsg::Fund {}),
        (ifx, ReceiveMsg::WethReserve {}),
    ] {
        let r = w.app.execute_contract(
            admin.clone(),
            token,
            &Cw20ExecuteMsg::Send {
                contract: claim.to_string(),
                amount: Uint128::new(1),
                msg: to_json_binary(&msg).unwrap(),
            },
            &[],
        );
        with_err(r, |e| {
            assert!(matches!(e, ContractError::WrongToken { .. }), "{e}")
        });
    }
    // An account calling the hook itself, pretending to be a token.
    let fake = ExecuteMsg::Receive(cw20::Cw20ReceiveMsg {
        sender: alice.to_string(),
        amount: Uint128::new(1_000 * TOKEN_UNIT),
        msg: to_json_binary(&ReceiveMsg::Fund {}).unwrap(),
    });
    with_err(w.exec(&alice, &fake), |e| {
        assert!(matches!(e, ContractError::WrongToken { .. }), "{e}")
    });
    assert_eq!(w.fund().deposited.u128(), 0);
    // Native coins are refused, not locked.
    let coins = cosmwasm_std::coins(5, "ucoin");
    w.app
        .init_modules(|router, _, storage| router.bank.init_balance(storage, &alice, coins.clone()))
        .unwrap();
    let r = w
        .app
        .execute_contract(alice.clone(), claim.clone(), &WITHDRAW, &coins);
    with_err(r, |e| {
        assert!(
            matches!(e, ContractError::BadField { field: "funds", .. }),
            "{e}"
        )
    });
}

#[test]
fn admin_actions_are_guarded() {
    let mut w = world();
    let (alice, admin) = (w.alice.clone(), w.admin.clone());
    let prices = PricesMsg {
        ifx: Uint128::new(500_000),
        eth: Uint128::new(ETH_PRICE),
    };
    assert_eq!(
        rule(w.exec(
            &alice,
            &ExecuteMsg::SetPrices {
                prices,
                as_of: None,
            }
        )),
        RuleError::Unauthorized
    );
    assert_eq!(
        rule(w.exec(
            &alice,
            &ExecuteMsg::SetPurchasePrices {
                prices: vec![(ALICE_LICENSE, Uint128::new(1))]
            }
        )),
        RuleError::Unauthorized
    );
    let claim = w.claim.clone();
    assert_eq!(
        rule(w.price_before_window(&claim, vec![(ALICE_LICENSE, Uint128::zero())])),
        RuleError::ZeroPrice
    );
    assert_eq!(
        rule(w.exec(
            &admin,
            &ExecuteMsg::SetPrices {
                prices: PricesMsg {
                    ifx: Uint128::zero(),
                    eth: Uint128::new(1)
                },
                as_of: None,
            }
        )),
        RuleError::ZeroPrice
    );
    // IFX at 0.50 USDT halves the IFX payout.
    w.exec(
        &admin,
        &ExecuteMsg::SetPrices {
            prices,
            as_of: None,
        },
    )
    .unwrap();
    w.claim(&alice, ALICE_LICENSE, PayoutOption::Ifx).unwrap();
    assert_eq!(w.vesting(&alice).total.u128(), IFX_PAYOUT / 2);
    // The admin role moves in two steps; the old admin keeps it until the
    // new one accepts, then loses it.
    let bob = w.bob.clone();
    let to_bob = ExecuteMsg::ProposeAdmin {
        admin: bob.to_string(),
    };
    let accept = ExecuteMsg::AcceptAdmin {};
    assert_eq!(rule(w.exec(&alice, &to_bob)), RuleError::Unauthorized);
    assert_eq!(rule(w.exec(&bob, &accept)), RuleError::NoPendingAdmin);
    w.exec(&admin, &to_bob).unwrap();
    let config: ConfigResponse = w.query(&QueryMsg::Config {});
    assert_eq!(
        (config.admin.as_str(), config.pending_admin.as_deref()),
        (admin.as_str(), Some(bob.as_str()))
    );
    assert_eq!(
        rule(w.exec(&alice, &accept)),
        RuleError::NotPendingAdmin {
            pending: bob.to_string(),
            sender: alice.to_string()
        }
    );
    // Offering it to oneself withdraws the offer.
    w.exec(
        &admin,
        &ExecuteMsg::ProposeAdmin {
            admin: admin.to_string(),
        },
    )
    .unwrap();
    assert_eq!(rule(w.exec(&bob, &accept)), RuleError::NoPendingAdmin);
    w.exec(&admin, &to_bob).unwrap();
    let r = w.exec(&bob, &accept).unwrap();
    assert!(r.has_event(
        &cosmwasm_std::Event::new("wasm")
            .add_attribute("previous_admin", admin.as_str())
            .add_attribute("admin", bob.as_str())
    ));
    assert_eq!(rule(w.exec(&admin, &to_bob)), RuleError::Unauthorized);
    assert_eq!(rule(w.exec(&bob, &accept)), RuleError::NoPendingAdmin);
    let config: ConfigResponse = w.query(&QueryMsg::Config {});
    assert_eq!(config.admin, bob.to_string());
    assert_eq!(config.pending_admin, None);
    w.exec(
        &bob,
        &ExecuteMsg::SetPrices {
            prices,
            as_of: None,
        },
    )
    .unwrap();
}

#[test]
fn leftovers_are_swept_only_by_the_admin_after_the_window() {
    let mut w = world();
    let (alice, admin, treasury) = (w.alice.clone(), w.admin.clone(), w.treasury.clone());
    w.claim(&alice, ALICE_LICENSE, PayoutOption::Ifx).unwrap();
    let sweep = ExecuteMsg::Sweep { recipient: None };
    let close = OPEN + 7 * DAY;
    assert_eq!(
        rule(w.exec(&admin, &sweep)),
        RuleError::WindowNotClosed { close }
    );
    // A quarter vests and is withdrawn; someone sends IFX and wETH by
    // plain transfers (no `Send`, so no hook: the fund never saw them).
    w.at(OPEN + 7 * DAY + DAY / 2);
    let (ifx, weth) = (w.ifx.clone(), w.weth.clone());
    let started = w.vesting(&alice).schedules[0].start;
    w.at(started + 30 * DAY / 4);
    w.exec(&alice, &WITHDRAW).unwrap();
    assert_eq!(w.balance(&ifx, &alice), IFX_PAYOUT / 4);
    for (token, amount) in [(&ifx, 5 * TOKEN_UNIT), (&weth, 2 * TOKEN_UNIT)] {
        w.app
            .execute_contract(
                admin.clone(),
                token.clone(),
                &Cw20ExecuteMsg::Transfer {
                    recipient: w.claim.to_string(),
                    amount: amount.into(),
                },
                &[],
            )
            .unwrap();
    }
    assert_eq!(rule(w.exec(&alice, &sweep)), RuleError::Unauthorized);
    let r = w.exec(&admin, &sweep).unwrap();
    // Everything but what vesting still owes Alice.
    let owed = IFX_PAYOUT - IFX_PAYOUT / 4;
    let swept = 10_000_000 * TOKEN_UNIT - IFX_PAYOUT + 5 * TOKEN_UNIT;
    assert!(r.has_event(
        &cosmwasm_std::Event::new("wasm")
            .add_attribute("ifx", swept.to_string())
            .add_attribute("weth", (WETH_RESERVE + 2 * TOKEN_UNIT).to_string())
            .add_attribute("ifx_still_owed", owed.to_string())
    ));
    assert_eq!(w.balance(&ifx, &treasury), swept);
    assert_eq!(w.balance(&weth, &treasury), WETH_RESERVE + 2 * TOKEN_UNIT);
    assert_eq!(w.balance(&ifx, &w.claim.clone()), owed);
    let f = w.fund();
    assert_eq!((f.remaining.u128(), f.weth_reserve.u128()), (0, 0));
    // A second sweep finds nothing more, and never what is owed.
    let r = w.exec(&admin, &sweep).unwrap();
    assert!(r.has_event(&cosmwasm_std::Event::new("wasm").add_attribute("ifx", "0")));
    // The window cannot reopen after a sweep.
    assert!(matches!(
        rule(w.exec(&admin, &ExecuteMsg::ExtendWindow { close: close + DAY })),
        RuleError::BadExtension { .. }
    ));
    // What vests is still there for Alice.
    w.at(close + 40 * DAY);
    w.exec(&alice, &WITHDRAW).unwrap();
    assert_eq!(w.balance(&ifx, &alice), IFX_PAYOUT);
    assert_eq!(w.balance(&ifx, &w.claim.clone()), 0);
}

#[test]
fn a_proof_for_another_contract_or_program_is_refused() {
    let mut w = world();
    let (alice, admin) = (w.alice.clone(), w.admin.clone());
    let msg = w.claim_msg(ALICE_LICENSE, &alice, PayoutOption::Ifx);
    let claim_id = w.app.store_code(claim_contract());
    let good = instantiate_msg(&w);
    let mut other_root = good.clone();
    other_root.registry_root = fp_to_hex(&Fp::from(5u64));
    let mut other_threshold = good.clone();
    other_threshold.threshold = Some(eligo_contract::msg::ThresholdMsg { num: 7, den: 10 });
    for init in [good, other_root, other_threshold] {
        let other = w
            .app
            .instantiate_contract(claim_id, admin.clone(), &init, &[], "other", None)
            .unwrap();
        w.approve(&alice, &other, ALICE_LICENSE);
        w.app
            .execute_contract(
                admin.clone(),
                w.ifx.clone(),
                &Cw20ExecuteMsg::Send {
                    contract: other.to_string(),
                    amount: Uint128::new(IFX_PAYOUT),
                    msg: to_json_binary(&ReceiveMsg::Fund {}).unwrap(),
                },
                &[],
            )
            .unwrap();
        w.price_before_window(&other, vec![(ALICE_LICENSE, Uint128::new(PURCHASE))])
            .unwrap();
        w.app
            .execute_contract(
                admin.clone(),
                other.clone(),
                &ExecuteMsg::SetPrices {
                    prices: prices(),
                    as_of: None,
                },
                &[],
            )
            .unwrap();
        let r = w
            .app
            .execute_contract(alice.clone(), other.clone(), &msg, &[]);
        invalid_proof(r);
    }
    // The proof still works where it belongs.
    w.exec(&alice, &msg).unwrap();
}

#[test]
fn instantiation_checks_key_generators_fingerprint_and_fields() {
    let mut w = world();
    let claim_id = w.app.store_code(claim_contract());
    let admin = w.admin.clone();
    let good = instantiate_msg(&w);
    let mut try_with = |change: &dyn Fn(&mut InstantiateMsg)| {
        let mut msg = good.clone();
        change(&mut msg);
        w.app
            .instantiate_contract(claim_id, admin.clone(), &msg, &[], "claim2", None)
            .map(|_| AppResponse::default())
    };
    // Generators that are not the canonical ones: one point swapped for
    // another point of the curve.
    with_err(
        try_with(&|m| {
            let mut g = m.generators.to_vec();
            let (a, b) = (20 + 64 * 3, 20 + 64 * 4);
            for i in 0..64 {
                g.swap(a + i, b + i);
            }
            m.generators = g.into();
        }),
        |e| {
            assert!(
                matches!(
                    e,
                    ContractError::Verifier(eligo_verifier::SetupError::Generators(
                        eligo_verifier::GeneratorsError::NotCanonical { .. }
                    ))
                ),
                "{e}"
            )
        },
    );
    // A point off the curve, truncated generators, a truncated key.
    with_err(
        try_with(&|m| {
            let mut g = m.generators.to_vec();
            g[20 + 64 * 7] ^= 1;
            m.generators = g.into();
        }),
        |e| assert!(matches!(e, ContractError::Verifier(_)), "{e}"),
    );
    with_err(
        try_with(&|m| m.generators = m.generators[..1000].to_vec().into()),
        |e| assert!(matches!(e, ContractError::Verifier(_)), "{e}"),
    );
    with_err(
        try_with(&|m| m.verifying_key = m.verifying_key[..1000].to_vec().into()),
        |e| assert!(matches!(e, ContractError::Verifier(_)), "{e}"),
    );
    // A key whose bytes were changed: its canonical text no longer
    // matches the hash it carries.
    with_err(
        try_with(&|m| {
            let mut k = m.verifying_key.to_vec();
            let last = k.len() - 200;
            k[last] ^= 1;
            m.verifying_key = k.into();
        }),
        |e| assert!(matches!(e, ContractError::Verifier(_)), "{e}"),
    );
    // The generators and key swapped.
    with_err(
        try_with(&|m| std::mem::swap(&mut m.verifying_key, &mut m.generators)),
        |e| assert!(matches!(e, ContractError::Verifier(_)), "{e}"),
    );
    // A fingerprint for another circuit.
    with_err(
        try_with(&|m| m.circuit_fingerprint = Some("00".repeat(32))),
        |e| {
            assert!(
                matches!(e, ContractError::FingerprintMismatch { .. }),
                "{e}"
            )
        },
    );
    // Another shape: the key and generators are for another k.
    with_err(try_with(&|m| m.capacity = 1 << 16), |e| {
        assert!(matches!(e, ContractError::Verifier(_)), "{e}")
    });
    // Malformed fields, each refused for its own reason.
    type Change = Box<dyn Fn(&mut InstantiateMsg)>;
    let cases: Vec<(&str, Change)> = vec![
        (
            "registry_root",
            Box::new(|m| m.registry_root = "0x12".into()),
        ),
        (
            "exclusion_root",
            Box::new(|m| m.exclusion_root = format!("0x{}", "f".repeat(64))),
        ),
        ("capacity/depth", Box::new(|m| m.capacity = 100)),
        ("capacity/depth", Box::new(|m| m.depth = 3)),
        (
            "threshold",
            Box::new(|m| {
                m.threshold = Some(eligo_contract::msg::ThresholdMsg {
                    num: 1001,
                    den: 1000,
                })
            }),
        ),
        ("price_max_age", Box::new(|m| m.price_max_age = Some(0))),
        (
            "price_max_age",
            Box::new(|m| m.price_max_age = Some(2 * DAY)),
        ),
        ("tge", Box::new(|m| m.tge = u64::MAX)),
        (
            "ifx_token",
            Box::new(|m| m.ifx_token = m.license_nft.clone()),
        ),
        (
            "weth_token",
            Box::new(|m| m.weth_token = m.ifx_token.clone()),
        ),
    ];
    for (field, change) in &cases {
        with_err(try_with(&**change), |e| {
            assert!(
                matches!(e, ContractError::BadField { field: f, .. } if f == field),
                "{field}: {e}"
            )
        });
    }
    with_err(try_with(&|m| m.prices.eth = Uint128::zero()), |e| {
        assert_eq!(e, &ContractError::Rule(RuleError::ZeroPrice))
    });
    // The good message instantiates a second program.
    try_with(&|_| {}).unwrap();
}

/// A world whose claim contract is instantiated by `msg` changed by
/// `change`, with IFX of `ifx_decimals` decimals: `Ok` with the new
/// contract's address, or the refusal.
fn instantiate_changed(
    w: &mut World,
    ifx_decimals: u8,
    change: &dyn Fn(&mut InstantiateMsg),
) -> anyhow::Result<Addr> {
    let cw20_id = w.app.store_code(cw20_contract());
    let claim_id = w.app.store_code(claim_contract());
    let admin = w.admin.clone();
    let ifx = w
        .app
        .instantiate_contract(
            cw20_id,
            admin.clone(),
            &cw20_base::msg::InstantiateMsg {
                name: "IFX".into(),
                symbol: "IFX".into(),
                decimals: ifx_decimals,
                initial_balances: vec![Cw20Coin {
                    address: admin.to_string(),
                    amount: Uint128::new(u128::MAX / 2),
                }],
                mint: None,
                marketing: None,
            },
            &[],
            "IFX",
            None,
        )
        .unwrap();
    let mut msg = instantiate_msg(w);
    msg.ifx_token = ifx.to_string();
    change(&mut msg);
    w.app
        .instantiate_contract(claim_id, admin, &msg, &[], "claim2", None)
}

/// A token whose `token_info` reports 30 decimals, and nothing else.
mod odd_token {
    use cosmwasm_std::{
        to_json_binary, Binary, Deps, DepsMut, Empty, Env, MessageInfo, Response, StdResult,
        Uint128,
    };

    /// Decimals it reports.
    const DECIMALS: u8 = 30;

    pub fn instantiate(_: DepsMut<'_>, _: Env, _: MessageInfo, _: Empty) -> StdResult<Response> {
        Ok(Response::new())
    }

    pub fn execute(_: DepsMut<'_>, _: Env, _: MessageInfo, _: Empty) -> StdResult<Response> {
        Ok(Response::new())
    }

    pub fn query(_: Deps<'_>, _: Env, _: cw20::Cw20QueryMsg) -> StdResult<Binary> {
        to_json_binary(&cw20::TokenInfoResponse {
            name: "Odd".into(),
            symbol: "ODD".into(),
            decimals: DECIMALS,
            total_supply: Uint128::zero(),
        })
    }
}

/// The term of the program an instantiation was refused for.
fn weaker(r: anyhow::Result<Addr>) -> &'static str {
    let e = r.expect_err("the instantiation should be refused");
    match e.downcast_ref::<ContractError>() {
        Some(ContractError::Rule(RuleError::WeakerThanProgram { term, .. })) => term,
        _ => panic!("not a program term: {}", e.root_cause()),
    }
}

#[test]
fn no_deployer_can_weaken_the_programs_constants() {
    let mut w = world();
    w.at(TGE);
    let now = w.now();
    let threshold = |num, den| Some(eligo_contract::msg::ThresholdMsg { num, den });
    let terms = |ifx_percent, ifx_vesting_seconds, weth_percent| {
        Some(eligo_contract::msg::PayoutTermsMsg {
            ifx_percent,
            ifx_vesting_seconds,
            weth_percent,
        })
    };
    let fund_18 = 10_000_000 * TOKEN_UNIT;
    // The first TGE whose window is still open now.
    let closes = |tge: u64| window_from_tge(tge).unwrap().1;
    let (mut lo, mut hi) = (now - 400 * DAY, now);
    while lo + 1 < hi {
        let mid = lo + (hi - lo) / 2;
        if closes(mid) > now {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    let (last_closed, first_open) = (lo, hi);
    assert!(closes(last_closed) <= now && closes(first_open) > now);
    type Change = Box<dyn Fn(&mut InstantiateMsg)>;
    let refused: Vec<(&str, Change)> = vec![
        (
            "threshold",
            Box::new(move |m| m.threshold = threshold(666, 1000)),
        ),
        (
            "threshold",
            Box::new(move |m| m.threshold = threshold(2, 3)),
        ),
        (
            "threshold",
            Box::new(move |m| m.threshold = threshold(1, 1000)),
        ),
        ("tge", Box::new(|m| m.tge = 0)),
        // The latest TGE whose window has closed.
        ("tge", Box::new(move |m| m.tge = last_closed)),
        (
            "fund_size",
            Box::new(|m| m.fund_size = Some(Uint128::one())),
        ),
        (
            "fund_size",
            Box::new(move |m| m.fund_size = Some(Uint128::new(fund_18 + 1))),
        ),
        (
            "grace_period",
            Box::new(|m| m.grace_period = Some(u64::MAX)),
        ),
        ("grace_period", Box::new(|m| m.grace_period = Some(DAY + 1))),
        (
            "payout",
            Box::new(move |m| m.payout = terms(100, 29 * DAY, 80)),
        ),
        (
            "payout",
            Box::new(move |m| m.payout = terms(100, 30 * DAY, 81)),
        ),
        (
            "payout",
            Box::new(move |m| m.payout = terms(99, 30 * DAY, 80)),
        ),
    ];
    for (term, change) in &refused {
        assert_eq!(weaker(instantiate_changed(&mut w, 18, &**change)), *term);
    }
    // Each twin that keeps the program's terms is accepted.
    let accepted: Vec<Change> = vec![
        Box::new(move |m| m.threshold = threshold(667, 1000)),
        Box::new(move |m| m.threshold = threshold(3, 4)),
        // The earliest TGE whose window is still open.
        Box::new(move |m| m.tge = first_open),
        Box::new(move |m| m.fund_size = Some(Uint128::new(fund_18))),
        Box::new(|m| m.grace_period = Some(DAY)),
        Box::new(|m| m.grace_period = Some(0)),
        Box::new(move |m| m.payout = terms(100, 30 * DAY, 80)),
    ];
    for change in &accepted {
        instantiate_changed(&mut w, 18, &**change).unwrap();
    }
}

#[test]
fn decimals_are_read_from_the_tokens() {
    let mut w = world();
    w.at(TGE);
    // A 6-decimal IFX: the fund is 10,000,000 IFX of 6 decimals, and
    // 10,000,000 IFX of 18 decimals is refused.
    let fund_6 = Uint128::new(10_000_000 * 1_000_000);
    let addr = instantiate_changed(&mut w, 6, &|m| m.fund_size = Some(fund_6)).unwrap();
    let config: ConfigResponse = w
        .app
        .wrap()
        .query_wasm_smart(addr.clone(), &QueryMsg::Config {})
        .unwrap();
    assert_eq!((config.ifx_decimals, config.weth_decimals), (6, 18));
    let fund: FundResponse = w
        .app
        .wrap()
        .query_wasm_smart(addr, &QueryMsg::Fund {})
        .unwrap();
    assert_eq!(fund.size, fund_6);
    assert_eq!(
        weaker(instantiate_changed(&mut w, 6, &|m| {
            m.fund_size = Some(Uint128::new(10_000_000 * TOKEN_UNIT))
        })),
        "fund_size"
    );
    // Absurd decimals are refused (cw20-base stops at 18: a token of our
    // own reports 30).
    let odd_id = w.app.store_code(Box::new(ContractWrapper::new(
        odd_token::execute,
        odd_token::instantiate,
        odd_token::query,
    )));
    let odd = w
        .app
        .instantiate_contract(odd_id, w.admin.clone(), &Empty {}, &[], "odd", None)
        .unwrap();
    let e = instantiate_changed(&mut w, 18, &|m| m.ifx_token = odd.to_string()).unwrap_err();
    assert!(
        matches!(
            e.downcast_ref::<ContractError>(),
            Some(ContractError::Rule(RuleError::AbsurdDecimals {
                token: "IFX",
                decimals: 30
            }))
        ),
        "{e}"
    );
}

/// A `claim_batch` item for `license` with a proof for `option`.
fn batch_item(w: &World, license: u64, claimant: &Addr, option: PayoutOption) -> ClaimItem {
    ClaimItem {
        license_id: license,
        option,
        proof: prove(license, &w.ctx(claimant, option)),
        exclusion_root: None,
        min_amount: Uint128::one(),
    }
}

#[test]
fn a_batch_claims_several_licenses_with_one_check() {
    let mut w = world();
    let alice = w.alice.clone();
    let before = w.fund();
    let claims = vec![
        batch_item(&w, ALICE_LICENSE, &alice, PayoutOption::Ifx),
        batch_item(&w, ALICE_SECOND, &alice, PayoutOption::Weth),
    ];
    let r = w.exec(&alice, &ExecuteMsg::ClaimBatch { claims }).unwrap();
    assert!(r.events.iter().any(|e| e
        .attributes
        .iter()
        .any(|a| a.key == "action" && a.value == "claim_batch")));
    for license in [ALICE_LICENSE, ALICE_SECOND] {
        assert_eq!(w.owner_of(license), w.treasury.to_string());
        assert!(w.status(license).claim.is_some());
    }
    assert_eq!(
        w.status(ALICE_SECOND).claim.unwrap().option,
        PayoutOption::Weth
    );
    let after = w.fund();
    assert_eq!(after.committed.u128(), IFX_PAYOUT);
    assert_eq!(after.remaining.u128(), before.remaining.u128() - IFX_PAYOUT);
    assert_eq!(after.weth_reserve.u128(), WETH_RESERVE - WETH_PAYOUT);
    assert_eq!(w.balance(&w.weth.clone(), &alice), WETH_PAYOUT);
    assert_eq!(w.vesting(&alice).total.u128(), IFX_PAYOUT);
}

#[test]
fn a_batch_with_one_bad_proof_claims_nothing_and_names_it() {
    let mut w = world();
    let alice = w.alice.clone();
    let bob = w.bob.clone();
    let before = w.fund();
    // The second proof was made for Bob: every other check passes.
    let mut second = batch_item(&w, ALICE_SECOND, &bob, PayoutOption::Ifx);
    second.option = PayoutOption::Ifx;
    let claims = vec![
        batch_item(&w, ALICE_LICENSE, &alice, PayoutOption::Ifx),
        second,
    ];
    with_err(w.exec(&alice, &ExecuteMsg::ClaimBatch { claims }), |e| {
        assert!(
            matches!(e, ContractError::BatchProof { license_id, .. } if *license_id == ALICE_SECOND),
            "{e}"
        )
    });
    // Nothing changed: the good license is still Alice's and unclaimed.
    assert_eq!(w.owner_of(ALICE_LICENSE), alice.to_string());
    assert!(w.status(ALICE_LICENSE).claim.is_none());
    assert_eq!(w.fund(), before);
    // The good claim alone still works.
    let claims = vec![batch_item(&w, ALICE_LICENSE, &alice, PayoutOption::Ifx)];
    w.exec(&alice, &ExecuteMsg::ClaimBatch { claims }).unwrap();
    assert!(w.status(ALICE_LICENSE).claim.is_some());
}

#[test]
fn a_batch_refuses_repeats_strangers_and_bad_sizes() {
    let mut w = world();
    let alice = w.alice.clone();
    // The same license twice in one batch is a replay.
    let item = batch_item(&w, ALICE_LICENSE, &alice, PayoutOption::Ifx);
    let r = w.exec(
        &alice,
        &ExecuteMsg::ClaimBatch {
            claims: vec![item.clone(), item.clone()],
        },
    );
    assert!(matches!(rule(r), RuleError::AlreadyClaimed(ALICE_LICENSE)));
    // A license Alice does not own, with a proof made for Alice.
    let bobs = batch_item(&w, BOB_LICENSE, &alice, PayoutOption::Ifx);
    let r = w.exec(
        &alice,
        &ExecuteMsg::ClaimBatch {
            claims: vec![item.clone(), bobs],
        },
    );
    assert!(matches!(rule(r), RuleError::NotOwner { .. }));
    assert!(w.status(ALICE_LICENSE).claim.is_none());
    // Empty and oversized batches.
    for n in [0, eligo_contract::msg::MAX_BATCH_CLAIMS + 1] {
        let r = w.exec(
            &alice,
            &ExecuteMsg::ClaimBatch {
                claims: vec![item.clone(); n],
            },
        );
        with_err(r, |e| {
            assert!(
                matches!(
                    e,
                    ContractError::BadField {
                        field: "claims",
                        ..
                    }
                ),
                "{e}"
            )
        });
    }
}

/// The proof file `eligo prove` writes for `license` bound to `claimant`.
fn proof_file(
    w: &World,
    license: u64,
    claimant: &Addr,
    option: PayoutOption,
) -> eligo_verifier::ProofFile {
    let ctx = w.ctx(claimant, option);
    let f = fixture();
    let prepared =
        prepare(&f.snapshot.public, package(license), Details::Recompute).expect("eligible");
    let proof = prove(license, &ctx);
    f.prover.proof_file(
        &f.snapshot.public.program_id,
        &prepared.instance(&ctx),
        &ctx,
        proof.as_slice(),
    )
}

#[test]
fn the_claim_msg_of_proof_files_is_what_the_contract_executes() {
    assert_eq!(
        eligo_verifier::MAX_BATCH_CLAIMS,
        eligo_contract::msg::MAX_BATCH_CLAIMS
    );
    // One proof: `claim`, with the exclusion root the proof was made against.
    let mut w = world();
    let alice = w.alice.clone();
    let one = proof_file(&w, ALICE_LICENSE, &alice, PayoutOption::Ifx);
    // Its minimum from the contract's own quote answer, as a node prints
    // it.
    let quote: QuoteResponse = w.query(&QueryMsg::Quote {
        license_id: ALICE_LICENSE,
        option: PayoutOption::Ifx,
    });
    let answer = serde_json::to_string(&json!({ "data": quote })).unwrap();
    let min = eligo_verifier::Quote::parse(&answer)
        .unwrap()
        .min_amount(0)
        .unwrap();
    assert_eq!(min, IFX_PAYOUT);
    let msg = eligo_verifier::claim_msg(std::slice::from_ref(&one), &[min]).unwrap();
    let parsed: ExecuteMsg = serde_json::from_value(msg.clone()).expect("an ExecuteMsg");
    let ExecuteMsg::Claim {
        license_id,
        exclusion_root,
        min_amount,
        ..
    } = &parsed
    else {
        panic!("{msg}");
    };
    assert_eq!(*license_id, ALICE_LICENSE);
    assert_eq!(
        exclusion_root.as_deref(),
        Some(one.public_inputs.exclusion_root.as_str())
    );
    assert_eq!(min_amount.u128(), IFX_PAYOUT);
    w.exec(&alice, &parsed).unwrap();
    assert!(w.status(ALICE_LICENSE).claim.is_some());
    // Two proofs of one owner: `claim_batch`.
    let mut w = world();
    let files = [
        proof_file(&w, ALICE_LICENSE, &alice, PayoutOption::Ifx),
        proof_file(&w, ALICE_SECOND, &alice, PayoutOption::Weth),
    ];
    assert!(matches!(
        eligo_verifier::claim_msg(&files, &[1]),
        Err(eligo_verifier::ClaimMsgError::MinAmounts {
            given: 1,
            proofs: 2
        })
    ));
    let msg = eligo_verifier::claim_msg(&files, &[1, 1]).unwrap();
    let parsed: ExecuteMsg = serde_json::from_value(msg.clone()).expect("an ExecuteMsg");
    assert!(
        matches!(&parsed, ExecuteMsg::ClaimBatch { claims } if claims.len() == 2),
        "{msg}"
    );
    w.exec(&alice, &parsed).unwrap();
    assert!(w.status(ALICE_SECOND).claim.is_some());
    // Proofs of two owners make no message.
    let bob = w.bob.clone();
    let theirs = [
        files[0].clone(),
        proof_file(&w, BOB_LICENSE, &bob, PayoutOption::Ifx),
    ];
    assert!(matches!(
        eligo_verifier::claim_msg(&theirs, &[1, 1]),
        Err(eligo_verifier::ClaimMsgError::Binding {
            field: "claimant",
            index: 1,
            ..
        })
    ));
    assert!(matches!(
        eligo_verifier::claim_msg(&[files[0].clone(), files[0].clone()], &[1, 1]),
        Err(eligo_verifier::ClaimMsgError::Duplicate(ALICE_LICENSE))
    ));
    assert_eq!(
        eligo_verifier::claim_msg(&[], &[]),
        Err(eligo_verifier::ClaimMsgError::Empty)
    );
}
