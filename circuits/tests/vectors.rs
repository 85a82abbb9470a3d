//! Test vectors of docs/protocol.md: fixed inputs, expected values. The
//! test also checks that the document states each value.

use eligo_circuits::native::{
    chain_id_from_name, empty_subtrees, exclusion_leaf, fp_to_hex, pack_words, registry_leaf,
    SparseTree, EMPTY_LEAF,
};
use eligo_circuits::poseidon::{hash2, Tag};
use eligo_circuits::{
    Address, ClaimContext, ExclusionReason, Fp, LicenseLog, Outcome, PayoutOption, Shape,
    TaskEntry, Threshold,
};
use ff::{Field, PrimeField};

fn vectors() -> Vec<(&'static str, String)> {
    let shape = Shape::new(256, 4).unwrap();
    let log = LicenseLog {
        entries: vec![
            TaskEntry {
                task_id: 1,
                epoch: 1,
                outcome: Outcome::Executed,
            },
            TaskEntry {
                task_id: 2,
                epoch: 1,
                outcome: Outcome::Failed,
            },
            TaskEntry {
                task_id: 3,
                epoch: 2,
                outcome: Outcome::Missed,
            },
        ],
        salt: Fp::from(0x5a17),
    };
    let mut codes = log.codes(&shape).unwrap();
    codes.truncate(3);
    let commitment = log.commitment(&shape).unwrap();
    let registry =
        SparseTree::build(4, Tag::RegistryNode, [(3, registry_leaf(3, commitment))]).unwrap();
    let exclusion = SparseTree::build(
        4,
        Tag::ExclusionNode,
        [
            (5, exclusion_leaf(5, ExclusionReason::Blacklisted)),
            (6, exclusion_leaf(6, ExclusionReason::Airdrop)),
        ],
    )
    .unwrap();
    let ctx = ClaimContext {
        chain_id: 1,
        contract: Address::parse("0x00000000000000000000000000000000000000c1").unwrap(),
        claimant: Address::parse("0x00000000000000000000000000000000000000a1").unwrap(),
        option: PayoutOption::Ifx,
    };
    vec![
        ("tag_log", fp_to_hex(&Tag::Log.value())),
        (
            "hash2_log_1_2",
            fp_to_hex(&hash2(Tag::Log, Fp::from(1), Fp::from(2))),
        ),
        ("word_1_2_2", fp_to_hex(&pack_words(&codes)[0])),
        (
            "task_leaf_1_1_executed",
            format!("0x{}", hex::encode(log.entries[0].detail_leaf())),
        ),
        (
            "detail_digest",
            fp_to_hex(&log.detail_digest(&shape).unwrap()),
        ),
        ("log_commitment", fp_to_hex(&commitment)),
        ("registry_leaf_3", fp_to_hex(&registry_leaf(3, commitment))),
        ("registry_root", fp_to_hex(&registry.root())),
        (
            "empty_registry_root_depth_4",
            fp_to_hex(&empty_subtrees(Tag::RegistryNode, EMPTY_LEAF, 4)[4]),
        ),
        (
            "exclusion_leaf_5_blacklisted",
            fp_to_hex(&exclusion_leaf(5, ExclusionReason::Blacklisted)),
        ),
        ("exclusion_root", fp_to_hex(&exclusion.root())),
        ("claim_ctx", fp_to_hex(&ctx.hash())),
        (
            "chain_id_of_eligo_testnet_1",
            chain_id_from_name("eligo-testnet-1").to_string(),
        ),
        ("margin_668_of_1000", margin(668, 1000)),
        ("margin_667_of_1000", margin(667, 1000)),
        ("margin_2_of_3", margin(2, 3)),
    ]
}

/// The threshold row's margin `executed · den − assigned · num − 1` at the
/// program's 667/1000, as the field element the circuit range-checks (and
/// whether the native rule says the participation is over it: it must
/// agree with the margin being small).
fn margin(executed: u64, assigned: u64) -> String {
    let t = Threshold::default_threshold();
    let m = Fp::from(executed * t.den()) - Fp::from(assigned * t.num()) - Fp::ONE;
    let small = m.to_repr()[8..].iter().all(|b| *b == 0);
    assert_eq!(
        t.is_met(executed, assigned),
        small,
        "{executed} of {assigned}"
    );
    fp_to_hex(&m)
}

const EXPECTED: &[(&str, &str)] = &[
    (
        "tag_log",
        "0x000000000000000000000000000000000000000000000000456c69676f000001",
    ),
    (
        "hash2_log_1_2",
        "0x2b4aa40e761a09335de279e9302009674642075eee7fda005621d9bb32b9e83e",
    ),
    (
        "word_1_2_2",
        "0x00038f55ce5256b2f3eeaed64cfa0958260c21fb9ac56d8d854fc2b1a03503a9",
    ),
    (
        "task_leaf_1_1_executed",
        "0x72664d80cac4ae4d7b4dc2beddfdb90ae254d172d1d29898f6c33c106e806d3a",
    ),
    (
        "detail_digest",
        "0x0b3e821deabc76ea12945fa3031033463cef87fb7b9b16dcf87f6234106b9968",
    ),
    (
        "log_commitment",
        "0x278686c3dffc4251a5e810efe17bed5f920e4c7db580751700cd43794cfd6cfe",
    ),
    (
        "registry_leaf_3",
        "0x308f97d2613d3fe6fc420c80261f9a9ecba845ee8747dc4c09da1bd17341eda5",
    ),
    (
        "registry_root",
        "0x20dec50bbedd18a91564592a4afaa870bec1ecb64743693601e63e2136b39b91",
    ),
    (
        "empty_registry_root_depth_4",
        "0x216f7bd43c558c53eaf62c05d1e18b5e9aa89772444d7480886822de7607f492",
    ),
    (
        "exclusion_leaf_5_blacklisted",
        "0x390537e3c6dea8141c6168d13a6424c33f86d5e599da3fdf21688495f0a892e2",
    ),
    (
        "exclusion_root",
        "0x16fc770043bccc73a1d93e125461d28a0b0379c19eab614dde4744340f773ef6",
    ),
    (
        "claim_ctx",
        "0x06f8454e14ffa7db0a542a995b1b501d00d03de53203ddf2e177becb76e8d4b3",
    ),
    ("chain_id_of_eligo_testnet_1", "17203348671208770718"),
    (
        "margin_668_of_1000",
        "0x00000000000000000000000000000000000000000000000000000000000003e7",
    ),
    (
        "margin_667_of_1000",
        "0x40000000000000000000000000000000224698fc094cf91b992d30ed00000000",
    ),
    (
        "margin_2_of_3",
        "0x40000000000000000000000000000000224698fc094cf91b992d30ecffffffff",
    ),
];

#[test]
fn protocol_test_vectors() {
    let got = vectors();
    for (name, value) in &got {
        println!("{name} = {value}");
    }
    assert_eq!(got.len(), EXPECTED.len());
    let doc = include_str!("../../docs/protocol.md");
    for ((name, value), (ename, evalue)) in got.iter().zip(EXPECTED) {
        assert_eq!(name, ename);
        assert_eq!(value, evalue, "{name}");
        assert!(
            doc.contains(evalue),
            "docs/protocol.md lacks {name} = {evalue}"
        );
    }
}
