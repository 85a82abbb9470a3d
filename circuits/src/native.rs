//! Native reference of everything the network and the prover compute:
//! outcome encoding and packing, the task-detail digest, the salted log
//! commitment, the registry and exclusion trees, the claim context and the
//! eligibility verdict. The snapshot builder, the witness builder and the
//! tests all use this one implementation.

use std::collections::HashMap;
use std::fmt;

use ff::{Field, FromUniformBytes, PrimeField};
use pasta_curves::Fp;
use thiserror::Error;

use crate::poseidon::{chain, hash2, Tag};

/// Radix of an outcome code (a trit: padding, executed, not executed).
pub const CODE_RADIX: u64 = 3;
/// Outcome codes packed into one word of the log commitment
/// (`3^153 < 2^243`, below the 254-bit field).
pub const CODES_PER_WORD: usize = 153;

/// Smallest supported log capacity (tasks per license).
pub const MIN_CAPACITY: usize = 256;
/// Largest supported log capacity.
pub const MAX_CAPACITY: usize = 1 << 20;
/// Smallest supported tree depth.
pub const MIN_DEPTH: u32 = 4;
/// Largest supported tree depth.
pub const MAX_DEPTH: u32 = 32;
/// Default log capacity.
pub const DEFAULT_CAPACITY: usize = 65_536;
/// Default tree depth.
pub const DEFAULT_DEPTH: u32 = 20;
/// Default threshold numerator (66.7%).
pub const DEFAULT_THRESHOLD_NUM: u64 = 667;
/// Default threshold denominator.
pub const DEFAULT_THRESHOLD_DEN: u64 = 1000;
/// Largest accepted threshold denominator (the circuit range-checks
/// threshold terms to `3^34 > 2^53`; this is far below that).
pub const MAX_THRESHOLD_DEN: u64 = 1 << 32;
/// The value of an empty leaf in the registry and exclusion trees. Real
/// leaves are Poseidon outputs, so reaching it needs a Poseidon preimage of 0.
pub const EMPTY_LEAF: Fp = Fp::ZERO;

/// Errors of the native statement.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum StatementError {
    /// Capacity not a power of two in range.
    #[error("capacity {0} is not a power of two between {MIN_CAPACITY} and {MAX_CAPACITY}")]
    BadCapacity(usize),
    /// Depth out of range.
    #[error("depth {0} is not between {MIN_DEPTH} and {MAX_DEPTH}")]
    BadDepth(u32),
    /// Threshold out of range.
    #[error("threshold {0}/{1} is invalid: need 1 <= num <= den <= {MAX_THRESHOLD_DEN}")]
    BadThreshold(u64, u64),
    /// License id does not fit the tree.
    #[error("license id {0} does not fit a tree of depth {1}")]
    LicenseOutOfRange(u64, u32),
    /// More tasks than the capacity.
    #[error("license has {0} tasks, more than the capacity {1}")]
    TooManyTasks(usize, usize),
    /// Unknown outcome code.
    #[error("unknown outcome code {0}")]
    BadOutcomeCode(u8),
    /// Path length does not match the depth.
    #[error("path has {0} siblings, the tree depth is {1}")]
    BadPathLength(usize, u32),
    /// A hex field element could not be parsed.
    #[error("invalid field element: {0}")]
    BadFieldElement(String),
    /// An address could not be parsed.
    #[error("invalid address {0:?}: expected 0x followed by 2 to 64 hex digits (1 to 32 bytes)")]
    BadAddress(String),
}

/// The shape of a program: log capacity and tree depth. The circuit (and so
/// its verifying key) is fixed by the shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Shape {
    capacity: usize,
    depth: u32,
}

impl Shape {
    /// A validated shape.
    pub fn new(capacity: usize, depth: u32) -> Result<Self, StatementError> {
        if !capacity.is_power_of_two() || !(MIN_CAPACITY..=MAX_CAPACITY).contains(&capacity) {
            return Err(StatementError::BadCapacity(capacity));
        }
        if !(MIN_DEPTH..=MAX_DEPTH).contains(&depth) {
            return Err(StatementError::BadDepth(depth));
        }
        Ok(Shape { capacity, depth })
    }
    /// The default shape (65,536 tasks, depth 20).
    pub fn default_shape() -> Self {
        Shape {
            capacity: DEFAULT_CAPACITY,
            depth: DEFAULT_DEPTH,
        }
    }
    /// Log capacity (tasks per license).
    pub fn capacity(&self) -> usize {
        self.capacity
    }
    /// Tree depth.
    pub fn depth(&self) -> u32 {
        self.depth
    }
    /// Number of licenses the trees can hold.
    pub fn max_licenses(&self) -> u64 {
        if self.depth >= 64 {
            u64::MAX
        } else {
            1u64 << self.depth
        }
    }
    /// Number of packed words of the outcome vector.
    pub fn words(&self) -> usize {
        self.capacity.div_ceil(CODES_PER_WORD)
    }
    /// Depth of the task-detail tree (log2 of the capacity).
    pub fn detail_depth(&self) -> u32 {
        self.capacity.trailing_zeros()
    }
    /// Checks that a license id fits the trees.
    pub fn check_license(&self, license_id: u64) -> Result<(), StatementError> {
        if self.depth < 64 && license_id >= (1u64 << self.depth) {
            return Err(StatementError::LicenseOutOfRange(license_id, self.depth));
        }
        Ok(())
    }
}

/// Participation threshold `num/den`: eligible iff participation is
/// strictly over it, `executed * den > assigned * num` (the program's
/// rule reads "a participation rate of over 66.7%": 667 of 1,000 tasks is
/// not eligible, 668 of 1,000 is).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Threshold {
    num: u64,
    den: u64,
}

impl Threshold {
    /// A validated threshold: `1 <= num <= den <= MAX_THRESHOLD_DEN`.
    pub fn new(num: u64, den: u64) -> Result<Self, StatementError> {
        if num == 0 || den == 0 || num > den || den > MAX_THRESHOLD_DEN {
            return Err(StatementError::BadThreshold(num, den));
        }
        Ok(Threshold { num, den })
    }
    /// The default threshold, 667/1000.
    pub fn default_threshold() -> Self {
        Threshold {
            num: DEFAULT_THRESHOLD_NUM,
            den: DEFAULT_THRESHOLD_DEN,
        }
    }
    /// Numerator.
    pub fn num(&self) -> u64 {
        self.num
    }
    /// Denominator.
    pub fn den(&self) -> u64 {
        self.den
    }
    /// Whether `executed` of `assigned` is strictly over the threshold
    /// (which implies `assigned >= 1` when `executed <= assigned`).
    pub fn is_met(&self, executed: u64, assigned: u64) -> bool {
        assigned >= 1
            && executed <= assigned
            && u128::from(executed) * u128::from(self.den)
                > u128::from(assigned) * u128::from(self.num)
    }
}

impl fmt::Display for Threshold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.num, self.den)
    }
}

/// Outcome of one task.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// The license executed the task.
    Executed,
    /// Assigned, attempted, failed.
    Failed,
    /// Assigned, not attempted.
    Missed,
}

/// Outcome-vector code of a padding slot (no task).
pub const CODE_PADDING: u8 = 0;
/// Outcome-vector code of an executed task.
pub const CODE_EXECUTED: u8 = 1;
/// Outcome-vector code of a task assigned but not executed (failed or
/// missed; the detail digest keeps which).
pub const CODE_NOT_EXECUTED: u8 = 2;

/// BLAKE2b personalization of a task-detail leaf.
pub const DETAIL_LEAF_PERSONAL: &[u8] = b"eligo-task-leaf";
/// BLAKE2b personalization of a task-detail inner node.
pub const DETAIL_NODE_PERSONAL: &[u8] = b"eligo-task-node";
/// Bytes of a task-detail tree node (BLAKE2b-256).
pub const DETAIL_NODE_BYTES: usize = 32;
/// A node of the task-detail tree.
pub type DetailNode = [u8; DETAIL_NODE_BYTES];
/// The empty task-detail leaf.
pub const EMPTY_DETAIL_LEAF: DetailNode = [0; DETAIL_NODE_BYTES];
/// Detail code of an executed task.
pub const DETAIL_EXECUTED: u8 = 1;
/// Detail code of a failed task.
pub const DETAIL_FAILED: u8 = 2;
/// Detail code of a missed task.
pub const DETAIL_MISSED: u8 = 3;

/// One slot of the outcome vector: a trit of the packed log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Code {
    /// No task in this slot.
    Padding,
    /// An executed task.
    Executed,
    /// A task assigned but not executed.
    NotExecuted,
}

impl Code {
    /// The trit packed into a word ([`CODE_PADDING`], [`CODE_EXECUTED`],
    /// [`CODE_NOT_EXECUTED`]).
    pub fn trit(self) -> u8 {
        match self {
            Code::Padding => CODE_PADDING,
            Code::Executed => CODE_EXECUTED,
            Code::NotExecuted => CODE_NOT_EXECUTED,
        }
    }
    /// The trit as a field element.
    pub fn value(self) -> Fp {
        Fp::from(u64::from(self.trit()))
    }
}

impl Outcome {
    /// The outcome-vector code.
    pub fn code(self) -> Code {
        match self {
            Outcome::Executed => Code::Executed,
            Outcome::Failed | Outcome::Missed => Code::NotExecuted,
        }
    }
    /// The detail code hashed into the task-detail leaf (1, 2, 3).
    pub fn detail_code(self) -> u8 {
        match self {
            Outcome::Executed => DETAIL_EXECUTED,
            Outcome::Failed => DETAIL_FAILED,
            Outcome::Missed => DETAIL_MISSED,
        }
    }
    /// Parses a detail code (1..=3).
    pub fn from_detail_code(code: u8) -> Result<Self, StatementError> {
        match code {
            DETAIL_EXECUTED => Ok(Outcome::Executed),
            DETAIL_FAILED => Ok(Outcome::Failed),
            DETAIL_MISSED => Ok(Outcome::Missed),
            other => Err(StatementError::BadOutcomeCode(other)),
        }
    }
    /// The word used in CSV files.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Executed => "executed",
            Outcome::Failed => "failed",
            Outcome::Missed => "missed",
        }
    }
    /// Parses the CSV word (case is ignored).
    pub fn parse(word: &str) -> Option<Self> {
        match word.to_ascii_lowercase().as_str() {
            "executed" => Some(Outcome::Executed),
            "failed" => Some(Outcome::Failed),
            "missed" => Some(Outcome::Missed),
            _ => None,
        }
    }
}

/// Why a license is in the exclusion tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExclusionReason {
    /// Blacklisted by the network.
    Blacklisted,
    /// Won in the free-node airdrop.
    Airdrop,
}

impl ExclusionReason {
    /// Code hashed into the exclusion leaf.
    pub fn code(self) -> u64 {
        match self {
            ExclusionReason::Blacklisted => 1,
            ExclusionReason::Airdrop => 2,
        }
    }
    /// The word used in CSV files.
    pub fn as_str(self) -> &'static str {
        match self {
            ExclusionReason::Blacklisted => "blacklisted",
            ExclusionReason::Airdrop => "airdrop",
        }
    }
    /// Parses the CSV word (case is ignored).
    pub fn parse(word: &str) -> Option<Self> {
        match word.to_ascii_lowercase().as_str() {
            "blacklisted" => Some(ExclusionReason::Blacklisted),
            "airdrop" => Some(ExclusionReason::Airdrop),
            _ => None,
        }
    }
}

/// One entry of a license's task log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TaskEntry {
    /// Network task id.
    pub task_id: u64,
    /// Epoch of the assignment.
    pub epoch: u32,
    /// What happened.
    pub outcome: Outcome,
}

impl TaskEntry {
    /// The leaf of the task-detail tree for this entry: BLAKE2b-256
    /// (personal [`DETAIL_LEAF_PERSONAL`]) of `u64_le(task_id) ||
    /// u32_le(epoch) || detail_code`.
    pub fn detail_leaf(&self) -> DetailNode {
        let mut input = [0u8; 13];
        input[..8].copy_from_slice(&self.task_id.to_le_bytes());
        input[8..12].copy_from_slice(&self.epoch.to_le_bytes());
        input[12] = self.outcome.detail_code();
        blake2b_256(DETAIL_LEAF_PERSONAL, &[&input])
    }
}

/// Executed and assigned counts of a log.
pub fn count(entries: &[TaskEntry]) -> (u64, u64) {
    let executed = entries
        .iter()
        .filter(|e| e.outcome == Outcome::Executed)
        .count() as u64;
    (executed, entries.len() as u64)
}

/// The outcome vector padded to the capacity.
pub fn outcome_codes(shape: &Shape, entries: &[TaskEntry]) -> Result<Vec<Code>, StatementError> {
    if entries.len() > shape.capacity() {
        return Err(StatementError::TooManyTasks(
            entries.len(),
            shape.capacity(),
        ));
    }
    let mut codes: Vec<Code> = entries.iter().map(|e| e.outcome.code()).collect();
    codes.resize(shape.capacity(), Code::Padding);
    Ok(codes)
}

/// Packs codes into words of [`CODES_PER_WORD`] codes, most significant
/// code first (`word = sum c_i * 3^(CODES_PER_WORD - 1 - i)`); the last word is
/// padded with zero codes.
pub fn pack_words(codes: &[Code]) -> Vec<Fp> {
    codes
        .chunks(CODES_PER_WORD)
        .map(|chunk| {
            let mut word = Fp::ZERO;
            let radix = Fp::from(CODE_RADIX);
            for i in 0..CODES_PER_WORD {
                word = word * radix + chunk.get(i).map_or(Fp::ZERO, |c| c.value());
            }
            word
        })
        .collect()
}

/// Empty-subtree values: `empty[0] = leaf`, `empty[l+1] = H(tag, empty[l], empty[l])`.
pub fn empty_subtrees(tag: Tag, leaf: Fp, depth: u32) -> Vec<Fp> {
    let mut out = Vec::with_capacity(depth as usize + 1);
    out.push(leaf);
    for l in 0..depth as usize {
        let e = out[l];
        out.push(hash2(tag, e, e));
    }
    out
}

fn blake2b_256(personal: &[u8], parts: &[&[u8]]) -> DetailNode {
    let mut state = blake2b_simd::Params::new()
        .hash_length(DETAIL_NODE_BYTES)
        .personal(personal)
        .to_state();
    for p in parts {
        state.update(p);
    }
    state
        .finalize()
        .as_bytes()
        .try_into()
        .expect("a 32-byte digest")
}

/// An inner node of the task-detail tree: BLAKE2b-256 (personal
/// [`DETAIL_NODE_PERSONAL`]) of `left || right`.
pub fn detail_node(left: &DetailNode, right: &DetailNode) -> DetailNode {
    blake2b_256(DETAIL_NODE_PERSONAL, &[left, right])
}

/// Empty subtrees of the task-detail tree: `[0] = EMPTY_DETAIL_LEAF`,
/// `[l + 1] = detail_node([l], [l])`.
pub fn empty_detail_subtrees(depth: u32) -> Vec<DetailNode> {
    let mut out = Vec::with_capacity(depth as usize + 1);
    out.push(EMPTY_DETAIL_LEAF);
    for l in 0..depth as usize {
        let e = out[l];
        out.push(detail_node(&e, &e));
    }
    out
}

/// The field element of a task-detail root: its 32 bytes read as a
/// little-endian integer, reduced modulo `p`.
pub fn detail_root_to_field(root: &DetailNode) -> Fp {
    let mut wide = [0u8; 64];
    wide[..DETAIL_NODE_BYTES].copy_from_slice(root);
    Fp::from_uniform_bytes(&wide)
}

/// The task-detail digest: the root of a BLAKE2b Merkle tree of depth
/// `log2(capacity)` whose leaf `i` is `entries[i].detail_leaf()`, empty
/// leaves [`EMPTY_DETAIL_LEAF`] (see [`detail_node`]), as a field element
/// ([`detail_root_to_field`]). One entry can be opened alone with its path.
/// It never enters the circuit (it is a private input of the log
/// commitment), so its hash is chosen for speed.
pub fn detail_digest(shape: &Shape, entries: &[TaskEntry]) -> Result<Fp, StatementError> {
    if entries.len() > shape.capacity() {
        return Err(StatementError::TooManyTasks(
            entries.len(),
            shape.capacity(),
        ));
    }
    let depth = shape.detail_depth();
    let empty = empty_detail_subtrees(depth);
    let mut level: Vec<DetailNode> = entries.iter().map(TaskEntry::detail_leaf).collect();
    for e in empty.iter().take(depth as usize) {
        level = level
            .chunks(2)
            .map(|p| detail_node(&p[0], p.get(1).unwrap_or(e)))
            .collect();
    }
    Ok(detail_root_to_field(
        level.first().unwrap_or(&empty[depth as usize]),
    ))
}

/// The salted log commitment:
/// `chain(Log; salt, detail_digest, words...)`, see [`crate::poseidon::chain`].
pub fn log_commitment_from_codes(salt: Fp, detail_digest: Fp, codes: &[Code]) -> Fp {
    chain(Tag::Log, salt, detail_digest, &pack_words(codes))
}

/// A license's private log, as handed to its holder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LicenseLog {
    /// Entries in canonical order (by epoch, then task id).
    pub entries: Vec<TaskEntry>,
    /// Secret salt drawn by the network.
    pub salt: Fp,
}

impl LicenseLog {
    /// Detail digest of the entries.
    pub fn detail_digest(&self, shape: &Shape) -> Result<Fp, StatementError> {
        detail_digest(shape, &self.entries)
    }
    /// Outcome codes padded to the capacity.
    pub fn codes(&self, shape: &Shape) -> Result<Vec<Code>, StatementError> {
        outcome_codes(shape, &self.entries)
    }
    /// The log commitment, given the detail digest of the entries.
    pub fn commitment_with_digest(
        &self,
        shape: &Shape,
        detail_digest: Fp,
    ) -> Result<Fp, StatementError> {
        Ok(log_commitment_from_codes(
            self.salt,
            detail_digest,
            &self.codes(shape)?,
        ))
    }
    /// The log commitment.
    pub fn commitment(&self, shape: &Shape) -> Result<Fp, StatementError> {
        Ok(log_commitment_from_codes(
            self.salt,
            self.detail_digest(shape)?,
            &self.codes(shape)?,
        ))
    }
    /// `(executed, assigned)`.
    pub fn counts(&self) -> (u64, u64) {
        count(&self.entries)
    }
}

/// Registry leaf binding a license to its log commitment.
pub fn registry_leaf(license_id: u64, commitment: Fp) -> Fp {
    hash2(Tag::RegistryLeaf, Fp::from(license_id), commitment)
}

/// Exclusion leaf of an excluded license.
pub fn exclusion_leaf(license_id: u64, reason: ExclusionReason) -> Fp {
    hash2(
        Tag::ExclusionLeaf,
        Fp::from(license_id),
        Fp::from(reason.code()),
    )
}

/// A sparse Merkle tree of fixed depth with empty leaves [`EMPTY_LEAF`].
#[derive(Clone, Debug)]
pub struct SparseTree {
    depth: u32,
    node_tag: Tag,
    empty: Vec<Fp>,
    /// `levels[l]` maps an index at level `l` (0 = leaves) to its value.
    levels: Vec<HashMap<u64, Fp>>,
}

impl SparseTree {
    /// Builds the tree from `(index, leaf)` pairs (indexes must fit the
    /// depth; a later duplicate overwrites an earlier one).
    pub fn build(
        depth: u32,
        node_tag: Tag,
        leaves: impl IntoIterator<Item = (u64, Fp)>,
    ) -> Result<Self, StatementError> {
        let empty = empty_subtrees(node_tag, EMPTY_LEAF, depth);
        let mut level0 = HashMap::new();
        for (i, v) in leaves {
            if depth < 64 && i >= (1u64 << depth) {
                return Err(StatementError::LicenseOutOfRange(i, depth));
            }
            level0.insert(i, v);
        }
        let mut levels = vec![level0];
        for l in 0..depth as usize {
            let cur = &levels[l];
            let mut parents: Vec<u64> = cur.keys().map(|i| i >> 1).collect();
            parents.sort_unstable();
            parents.dedup();
            let next: HashMap<u64, Fp> = parents
                .into_iter()
                .map(|p| {
                    let left = cur.get(&(2 * p)).copied().unwrap_or(empty[l]);
                    let right = cur.get(&(2 * p + 1)).copied().unwrap_or(empty[l]);
                    (p, hash2(node_tag, left, right))
                })
                .collect();
            levels.push(next);
        }
        Ok(SparseTree {
            depth,
            node_tag,
            empty,
            levels,
        })
    }
    /// The root.
    pub fn root(&self) -> Fp {
        self.levels[self.depth as usize]
            .get(&0)
            .copied()
            .unwrap_or(self.empty[self.depth as usize])
    }
    /// The leaf at `index` ([`EMPTY_LEAF`] if absent).
    pub fn leaf(&self, index: u64) -> Fp {
        self.levels[0].get(&index).copied().unwrap_or(EMPTY_LEAF)
    }
    /// The siblings from the leaf level up.
    pub fn path(&self, index: u64) -> Vec<Fp> {
        (0..self.depth as usize)
            .map(|l| {
                let sib = (index >> l) ^ 1;
                self.levels[l].get(&sib).copied().unwrap_or(self.empty[l])
            })
            .collect()
    }
    /// The node tag of this tree.
    pub fn node_tag(&self) -> Tag {
        self.node_tag
    }
}

/// Recomputes a root from a leaf, its index and its siblings.
pub fn root_from_path(node_tag: Tag, leaf: Fp, index: u64, siblings: &[Fp]) -> Fp {
    siblings.iter().enumerate().fold(leaf, |cur, (l, sib)| {
        if (index >> l) & 1 == 1 {
            hash2(node_tag, *sib, cur)
        } else {
            hash2(node_tag, cur, *sib)
        }
    })
}

/// Payout option of a claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PayoutOption {
    /// 100% in IFX, vested over 30 days.
    Ifx,
    /// 80% in wETH, at once.
    Weth,
}

impl PayoutOption {
    /// Code hashed into the claim context.
    pub fn code(self) -> u64 {
        match self {
            PayoutOption::Ifx => 1,
            PayoutOption::Weth => 2,
        }
    }
    /// The CLI word.
    pub fn as_str(self) -> &'static str {
        match self {
            PayoutOption::Ifx => "ifx",
            PayoutOption::Weth => "weth",
        }
    }
    /// Parses the CLI word.
    pub fn parse(word: &str) -> Option<Self> {
        match word {
            "ifx" => Some(PayoutOption::Ifx),
            "weth" => Some(PayoutOption::Weth),
            _ => None,
        }
    }
}

/// Largest address length in bytes.
pub const MAX_ADDRESS_BYTES: usize = 32;
/// Bytes per half of an address in the claim context.
const ADDRESS_HALF_BYTES: usize = MAX_ADDRESS_BYTES / 2;

/// An address (1 to 32 bytes), written `0x` + hex.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Address(Vec<u8>);

impl Address {
    /// Parses `0x` followed by an even number of hex digits (1 to 32 bytes).
    pub fn parse(s: &str) -> Result<Self, StatementError> {
        let bad = || StatementError::BadAddress(s.to_string());
        let digits = s
            .strip_prefix("0x")
            .or_else(|| s.strip_prefix("0X"))
            .ok_or_else(bad)?;
        let bytes = hex::decode(digits).map_err(|_| bad())?;
        Self::from_bytes(&bytes).map_err(|_| bad())
    }
    /// An address from its raw bytes (1 to 32), e.g. a CosmWasm canonical
    /// address.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, StatementError> {
        if bytes.is_empty() || bytes.len() > MAX_ADDRESS_BYTES {
            return Err(StatementError::BadAddress(format!(
                "{} bytes (1 to {MAX_ADDRESS_BYTES} allowed)",
                bytes.len()
            )));
        }
        Ok(Address(bytes.to_vec()))
    }
    /// The raw bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }
    /// `(length, high 16 bytes, low 16 bytes)` of the left-zero-padded
    /// 32-byte big-endian value.
    fn limbs(&self) -> [Fp; 3] {
        let mut padded = [0u8; MAX_ADDRESS_BYTES];
        padded[MAX_ADDRESS_BYTES - self.0.len()..].copy_from_slice(&self.0);
        let hi = u128::from_be_bytes(padded[..ADDRESS_HALF_BYTES].try_into().expect("16"));
        let lo = u128::from_be_bytes(padded[ADDRESS_HALF_BYTES..].try_into().expect("16"));
        [
            Fp::from(self.0.len() as u64),
            Fp::from_u128(hi),
            Fp::from_u128(lo),
        ]
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{}", hex::encode(&self.0))
    }
}

/// BLAKE2b personalization of [`chain_id_from_name`] (16 bytes).
const CHAIN_NAME_PERSONAL: &[u8; 16] = b"Eligo-chain-name";
/// Bytes of the numeric chain id.
const CHAIN_ID_BYTES: usize = 8;

/// The numeric chain id of a chain known by name (a Cosmos `chain_id` such
/// as `osmosis-1`): the first 8 bytes, big-endian, of the 32-byte BLAKE2b
/// of the UTF-8 name with personalization `Eligo-chain-name`. The claim
/// contract derives it from the chain it runs on; `eligo prove
/// --chain-name` gives the same number.
pub fn chain_id_from_name(name: &str) -> u64 {
    let digest = blake2b_simd::Params::new()
        .hash_length(32)
        .personal(CHAIN_NAME_PERSONAL)
        .hash(name.as_bytes());
    let mut first = [0u8; CHAIN_ID_BYTES];
    first.copy_from_slice(&digest.as_bytes()[..CHAIN_ID_BYTES]);
    u64::from_be_bytes(first)
}

/// What a proof is bound to: chain, contract, claimant and payout option.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ClaimContext {
    /// Chain id.
    pub chain_id: u64,
    /// Claim contract address.
    pub contract: Address,
    /// Claimant address.
    pub claimant: Address,
    /// Payout option.
    pub option: PayoutOption,
}

impl ClaimContext {
    /// `claim_ctx = chain(ClaimContext; chain_id, option, contract_len,
    /// contract_hi, contract_lo, claimant_len, claimant_hi, claimant_lo)`.
    pub fn hash(&self) -> Fp {
        let c = self.contract.limbs();
        let k = self.claimant.limbs();
        chain(
            Tag::ClaimContext,
            Fp::from(self.chain_id),
            Fp::from(self.option.code()),
            &[c[0], c[1], c[2], k[0], k[1], k[2]],
        )
    }
}

/// Field element as `0x` + 64 hex digits, big-endian.
pub fn fp_to_hex(x: &Fp) -> String {
    let mut bytes = x.to_repr();
    bytes.reverse();
    format!("0x{}", hex::encode(bytes))
}

/// Parses [`fp_to_hex`]'s format; rejects non-canonical values.
pub fn fp_from_hex(s: &str) -> Result<Fp, StatementError> {
    let bad = || StatementError::BadFieldElement(s.chars().take(80).collect());
    let digits = s.strip_prefix("0x").ok_or_else(bad)?;
    if digits.len() != 64 {
        return Err(bad());
    }
    let mut bytes: [u8; 32] = hex::decode(digits)
        .map_err(|_| bad())?
        .try_into()
        .map_err(|_| bad())?;
    bytes.reverse();
    Option::from(Fp::from_repr(bytes)).ok_or_else(bad)
}

/// The verdict on a license, computed natively.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Eligible.
    Eligible {
        /// Executed tasks.
        executed: u64,
        /// Assigned tasks.
        assigned: u64,
    },
    /// Not strictly over the threshold.
    BelowThreshold {
        /// Executed tasks.
        executed: u64,
        /// Assigned tasks.
        assigned: u64,
    },
    /// In the exclusion tree.
    Excluded(ExclusionReason),
    /// No task assigned.
    NoTasks,
}

impl Verdict {
    /// Computes the verdict.
    pub fn compute(
        threshold: &Threshold,
        executed: u64,
        assigned: u64,
        exclusion: Option<ExclusionReason>,
    ) -> Self {
        if let Some(r) = exclusion {
            return Verdict::Excluded(r);
        }
        if assigned == 0 {
            return Verdict::NoTasks;
        }
        if threshold.is_met(executed, assigned) {
            Verdict::Eligible { executed, assigned }
        } else {
            Verdict::BelowThreshold { executed, assigned }
        }
    }
    /// Whether eligible.
    pub fn is_eligible(&self) -> bool {
        matches!(self, Verdict::Eligible { .. })
    }
    /// The reason of a negative verdict, as printed by the CLI.
    pub fn reason(&self) -> Option<String> {
        match self {
            Verdict::Eligible { .. } => None,
            Verdict::BelowThreshold { .. } => Some("not over the threshold".into()),
            Verdict::Excluded(r) => Some(format!("excluded: {}", r.as_str())),
            Verdict::NoTasks => Some("no tasks".into()),
        }
    }
}

#[cfg(test)]
mod threshold_tests {
    use super::*;

    #[test]
    fn participation_must_be_strictly_over_the_threshold() {
        let t = Threshold::default_threshold();
        assert!(!t.is_met(667, 1000), "exactly 66.7% is not over it");
        assert!(t.is_met(668, 1000));
        assert!(!t.is_met(666, 1000));
        assert!(!t.is_met(2, 3), "2 of 3 is 66.666…%");
        assert!(t.is_met(1, 1));
        assert!(!t.is_met(0, 0), "no task");
        assert!(!t.is_met(5, 3), "more executed than assigned");
        let all = Threshold::new(1000, 1000).unwrap();
        assert!(!all.is_met(10, 10), "nothing is over 100%");
    }

    #[test]
    fn verdicts_at_the_boundary() {
        let t = Threshold::default_threshold();
        assert_eq!(
            Verdict::compute(&t, 667, 1000, None),
            Verdict::BelowThreshold {
                executed: 667,
                assigned: 1000
            }
        );
        assert!(Verdict::compute(&t, 668, 1000, None).is_eligible());
        assert_eq!(
            Verdict::compute(&t, 667, 1000, None).reason().as_deref(),
            Some("not over the threshold")
        );
    }
}
