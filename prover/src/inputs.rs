//! Input files of the network's export.
//!
//! * tasks: columns `license_id`, `task_id`, `epoch`, `outcome`, outcome
//!   one of `executed`, `failed`, `missed`; CSV or Parquet
//!   (`parquet_file`, feature `parquet`), **sorted by `license_id`** (each license's rows
//!   together, licenses in increasing order; the tasks of one license in
//!   any order). The file is read once, as a stream: memory holds the
//!   licenses in flight, never the export;
//! * exclusions: CSV, columns `license_id`, `reason`, reason `blacklisted`
//!   or `airdrop`.
//!
//! Columns are matched by name in any order, other columns are ignored,
//! and names and words ignore case. Every error names the file and the
//! line (CSV: 1-based, the header is line 1) or the row group and row
//! (Parquet: both 0-based).

#[cfg(feature = "parquet")]
pub mod parquet_file;

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use eligo_circuits::{ExclusionReason, Outcome, Shape, TaskEntry};
use thiserror::Error;

use crate::shard::Shard;

/// Header of the tasks file.
pub const TASKS_HEADER: [&str; 4] = ["license_id", "task_id", "epoch", "outcome"];
/// Header of the exclusions file.
pub const EXCLUSIONS_HEADER: [&str; 2] = ["license_id", "reason"];
/// Bytes of an input file's digest (BLAKE2b-256 of its bytes, what
/// `b2sum -l 256` prints).
pub const INPUT_DIGEST_BYTES: usize = 32;

/// Where in a file an error is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// A CSV line (1-based; the header is line 1).
    Line(u64),
    /// A Parquet row (row group and row within it, both 0-based).
    Row {
        /// Row group.
        group: usize,
        /// Row within the group.
        row: u64,
    },
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Line(l) => write!(f, ":{l}"),
            Place::Row { group, row } => write!(f, ": row group {group}, row {row}"),
        }
    }
}

/// An input error at a place in a file.
#[derive(Debug, Error)]
#[error("{}{}: {message}", path.display(), place.map(|p| p.to_string()).unwrap_or_default())]
pub struct InputError {
    /// The file.
    pub path: PathBuf,
    /// Where in the file, when known.
    pub place: Option<Place>,
    /// What is wrong.
    pub message: String,
}

impl InputError {
    /// An error at `path:line`.
    pub fn at(path: &Path, line: Option<u64>, message: impl Into<String>) -> Self {
        Self::at_place(path, line.map(Place::Line), message)
    }

    /// An error at a place of `path`.
    pub fn at_place(path: &Path, place: Option<Place>, message: impl Into<String>) -> Self {
        InputError {
            path: path.to_path_buf(),
            place,
            message: message.into(),
        }
    }
}

/// Tasks grouped by license, each log in canonical order (epoch, task id).
pub type TaskLogs = BTreeMap<u64, Vec<TaskEntry>>;

/// One license's tasks as read from the export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LicenseTasks {
    /// The license.
    pub license_id: u64,
    /// Its tasks in canonical order (epoch, task id); empty when the
    /// license has more rows than the capacity.
    pub entries: Vec<TaskEntry>,
    /// Its rows in the export.
    pub rows: usize,
}

impl LicenseTasks {
    /// Whether the license has more tasks than `shape` holds.
    pub fn over_capacity(&self, shape: &Shape) -> bool {
        self.rows > shape.capacity()
    }
}

/// How far a stream has read: `done` of `total` units (bytes of a CSV
/// file, rows of a Parquet file). Cheap to clone, readable from any thread.
#[derive(Clone, Debug)]
pub struct ReadProgress {
    done: Arc<AtomicU64>,
    total: u64,
}

impl ReadProgress {
    fn new(total: u64) -> Self {
        ReadProgress {
            done: Arc::new(AtomicU64::new(0)),
            total,
        }
    }

    fn add(&self, n: u64) {
        self.done.fetch_add(n, Ordering::Relaxed);
    }

    /// The share read, from 0 to 1.
    pub fn fraction(&self) -> f64 {
        if self.total == 0 {
            return 1.0;
        }
        (self.done.load(Ordering::Relaxed) as f64 / self.total as f64).min(1.0)
    }
}

/// A source of task rows.
trait RowSource: Send {
    /// The next row: its place, license id and entry (all checked).
    fn next_row(&mut self) -> Result<Option<(Place, u64, TaskEntry)>, InputError>;
    /// BLAKE2b-256 of the file's bytes, once every row has been read.
    fn digest(&self) -> [u8; INPUT_DIGEST_BYTES];
}

/// Checks of one row's values, shared by the file formats.
struct RowCheck {
    path: PathBuf,
    shape: Shape,
}

impl RowCheck {
    fn license(&self, place: Place, id: u64) -> Result<u64, InputError> {
        self.shape
            .check_license(id)
            .map_err(|e| InputError::at_place(&self.path, Some(place), e.to_string()))?;
        Ok(id)
    }

    fn not_integer(&self, place: Place, field: &str, value: impl fmt::Display) -> InputError {
        InputError::at_place(
            &self.path,
            Some(place),
            format!("{field} {value} is not a valid non-negative integer"),
        )
    }

    /// The row of license `id` (already checked): the epoch must fit 32
    /// bits (named in the error as the file wrote it, `Debug`-formatted:
    /// a CSV field quoted, a Parquet number bare) and the outcome must be a
    /// known word.
    fn row(
        &self,
        place: Place,
        id: u64,
        task_id: u64,
        (epoch, shown): (u64, impl fmt::Debug),
        outcome: &[u8],
    ) -> Result<(Place, u64, TaskEntry), InputError> {
        let epoch = u32::try_from(epoch).map_err(|_| {
            self.not_integer(
                place,
                "epoch",
                format_args!("{shown:?} (at most {})", u32::MAX),
            )
        })?;
        let outcome = self.outcome(place, outcome)?;
        Ok((
            place,
            id,
            TaskEntry {
                task_id,
                epoch,
                outcome,
            },
        ))
    }

    fn outcome(&self, place: Place, word: &[u8]) -> Result<Outcome, InputError> {
        outcome_word(word).ok_or_else(|| {
            InputError::at_place(
                &self.path,
                Some(place),
                format!(
                    "outcome {:?} is not one of executed, failed, missed",
                    String::from_utf8_lossy(word)
                ),
            )
        })
    }
}

/// An outcome word, any case, without allocating.
fn outcome_word(word: &[u8]) -> Option<Outcome> {
    [Outcome::Executed, Outcome::Failed, Outcome::Missed]
        .into_iter()
        .find(|o| o.as_str().as_bytes().eq_ignore_ascii_case(word))
}

/// Groups sorted rows into licenses, keeping only the shard's.
struct Grouper {
    path: PathBuf,
    capacity: usize,
    shard: Shard,
    current: Option<LicenseTasks>,
    /// Task ids of the current license (while within the capacity).
    seen: HashSet<u64>,
}

impl Grouper {
    /// Takes one row; returns the previous license when this row starts a
    /// new one.
    fn row(
        &mut self,
        place: Place,
        id: u64,
        entry: TaskEntry,
    ) -> Result<Option<LicenseTasks>, InputError> {
        let mut finished = None;
        match &self.current {
            Some(c) if c.license_id == id => {}
            Some(c) if id < c.license_id => {
                return Err(InputError::at_place(
                    &self.path,
                    Some(place),
                    format!(
                        "license {id} after license {}: the tasks must be sorted by license_id \
                         (each license's rows together, in increasing license order; for \
                         example ORDER BY license_id in the export query)",
                        c.license_id
                    ),
                ))
            }
            _ => {
                finished = self.take();
                self.current = Some(LicenseTasks {
                    license_id: id,
                    entries: Vec::new(),
                    rows: 0,
                });
            }
        }
        let cur = self.current.as_mut().expect("set above");
        cur.rows += 1;
        if !self.shard.owns(id) {
            return Ok(finished);
        }
        if cur.rows <= self.capacity {
            if !self.seen.insert(entry.task_id) {
                return Err(InputError::at_place(
                    &self.path,
                    Some(place),
                    format!("task {} appears twice for license {id}", entry.task_id),
                ));
            }
            cur.entries.push(entry);
        } else if cur.rows == self.capacity + 1 {
            // Over capacity: the license gets no package; only its rows are
            // counted from here on.
            cur.entries = Vec::new();
            self.seen = HashSet::new();
        }
        Ok(finished)
    }

    /// The license in progress, if it is the shard's.
    fn take(&mut self) -> Option<LicenseTasks> {
        let mut done = self.current.take()?;
        self.seen.clear();
        if !self.shard.owns(done.license_id) {
            return None;
        }
        done.entries.sort_unstable_by_key(|e| (e.epoch, e.task_id));
        Some(done)
    }
}

/// The tasks of an export, one license at a time: an iterator over the
/// shard's licenses in increasing id order. After the last one (or the
/// first error) it ends; [`TaskStream::digest`] then gives the file's
/// digest.
pub struct TaskStream<'a> {
    path: PathBuf,
    source: Box<dyn RowSource + 'a>,
    grouper: Grouper,
    rows: u64,
    progress: ReadProgress,
    ended: bool,
}

impl fmt::Debug for TaskStream<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskStream")
            .field("path", &self.path)
            .field("rows", &self.rows)
            .finish_non_exhaustive()
    }
}

/// First bytes of a Parquet file.
const PARQUET_MAGIC: &[u8; 4] = b"PAR1";

impl TaskStream<'static> {
    /// Opens a tasks file: Parquet when it starts with Parquet's magic
    /// bytes, else CSV.
    pub fn open(path: &Path, shape: &Shape, shard: Shard) -> Result<Self, InputError> {
        let io = |e: std::io::Error| InputError::at(path, None, e.to_string());
        let mut file = std::fs::File::open(path).map_err(io)?;
        let len = file.metadata().map_err(io)?.len();
        let mut magic = [0u8; 4];
        let is_parquet = file.read_exact(&mut magic).is_ok() && &magic == PARQUET_MAGIC;
        let check = RowCheck {
            path: path.to_path_buf(),
            shape: *shape,
        };
        if is_parquet {
            #[cfg(feature = "parquet")]
            {
                let (source, progress) = parquet_file::ParquetRows::open(check, file)?;
                return Ok(Self::new(path, shape, shard, Box::new(source), progress));
            }
            #[cfg(not(feature = "parquet"))]
            return Err(InputError::at(
                path,
                None,
                "a Parquet file, and this build has no Parquet support (feature `parquet`)",
            ));
        }
        let file = std::fs::File::open(path).map_err(io)?;
        let progress = ReadProgress::new(len);
        let source = CsvRows::new(check, file, progress.clone())?;
        Ok(Self::new(path, shape, shard, Box::new(source), progress))
    }
}

impl<'a> TaskStream<'a> {
    /// A stream over CSV bytes (`path` names them in errors).
    pub fn csv_bytes(
        path: &Path,
        data: &'a [u8],
        shape: &Shape,
        shard: Shard,
    ) -> Result<Self, InputError> {
        let check = RowCheck {
            path: path.to_path_buf(),
            shape: *shape,
        };
        let progress = ReadProgress::new(data.len() as u64);
        let source = CsvRows::new(check, data, progress.clone())?;
        Ok(Self::new(path, shape, shard, Box::new(source), progress))
    }

    fn new(
        path: &Path,
        shape: &Shape,
        shard: Shard,
        source: Box<dyn RowSource + 'a>,
        progress: ReadProgress,
    ) -> Self {
        TaskStream {
            path: path.to_path_buf(),
            source,
            grouper: Grouper {
                path: path.to_path_buf(),
                capacity: shape.capacity(),
                shard,
                current: None,
                seen: HashSet::new(),
            },
            rows: 0,
            progress,
            ended: false,
        }
    }

    /// How far the stream has read.
    pub fn progress(&self) -> ReadProgress {
        self.progress.clone()
    }

    /// Rows read so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// BLAKE2b-256 of the file's bytes (meaningful once the stream ended).
    pub fn digest(&self) -> [u8; INPUT_DIGEST_BYTES] {
        self.source.digest()
    }

    fn step(&mut self) -> Result<Option<LicenseTasks>, InputError> {
        loop {
            let Some((place, id, entry)) = self.source.next_row()? else {
                if self.rows == 0 {
                    // A network export without a single task is a mistake,
                    // not a program: an empty registry proves nothing.
                    return Err(InputError::at(
                        &self.path,
                        Some(1),
                        "header only: the file has no task rows",
                    ));
                }
                return Ok(self.grouper.take());
            };
            self.rows += 1;
            if let Some(done) = self.grouper.row(place, id, entry)? {
                return Ok(Some(done));
            }
        }
    }
}

impl Iterator for TaskStream<'_> {
    type Item = Result<LicenseTasks, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.ended {
            return None;
        }
        match self.step() {
            Ok(Some(tasks)) => Some(Ok(tasks)),
            Ok(None) => {
                self.ended = true;
                None
            }
            Err(e) => {
                self.ended = true;
                Some(Err(e))
            }
        }
    }
}

/// A reader that hashes and counts what passes through it.
struct Hashing<R> {
    inner: R,
    state: blake2b_simd::State,
    progress: ReadProgress,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.state.update(&buf[..n]);
        self.progress.add(n as u64);
        Ok(n)
    }
}

/// BLAKE2b-256 parameters of an input file's digest.
fn input_digest_state() -> blake2b_simd::State {
    blake2b_simd::Params::new()
        .hash_length(INPUT_DIGEST_BYTES)
        .to_state()
}

/// The digest of a finished state.
fn finish_digest(state: &blake2b_simd::State) -> [u8; INPUT_DIGEST_BYTES] {
    let mut out = [0u8; INPUT_DIGEST_BYTES];
    out.copy_from_slice(state.finalize().as_bytes());
    out
}

/// Rows of a tasks CSV file.
struct CsvRows<R: Read> {
    check: RowCheck,
    rdr: csv::Reader<Hashing<R>>,
    rec: csv::ByteRecord,
    /// Position of each of [`TASKS_HEADER`] in the file's columns.
    positions: [usize; TASKS_HEADER.len()],
    width: usize,
}

impl<R: Read + Send> CsvRows<R> {
    fn new(check: RowCheck, inner: R, progress: ReadProgress) -> Result<Self, InputError> {
        let mut rdr = reader(Hashing {
            inner,
            state: input_digest_state(),
            progress,
        });
        let mut rec = csv::ByteRecord::new();
        let (header, line) = loop {
            if !read_byte_record(&check.path, &mut rdr, &mut rec)? {
                return Err(empty_file(&check.path, &TASKS_HEADER));
            }
            if !blank(&rec) {
                let line = rec.position().map(|p| p.line()).unwrap_or(1);
                break (
                    rec.iter()
                        .map(|f| String::from_utf8_lossy(f).into_owned())
                        .collect::<Vec<_>>(),
                    line,
                );
            }
        };
        let found = header_positions(&check.path, line, &header, &TASKS_HEADER)?;
        let mut positions = [0; TASKS_HEADER.len()];
        positions.copy_from_slice(&found);
        Ok(CsvRows {
            check,
            rdr,
            rec,
            positions,
            width: header.len(),
        })
    }
}

impl<R: Read + Send> RowSource for CsvRows<R> {
    fn next_row(&mut self) -> Result<Option<(Place, u64, TaskEntry)>, InputError> {
        let path = &self.check.path;
        loop {
            if !read_byte_record(path, &mut self.rdr, &mut self.rec)? {
                return Ok(None);
            }
            if !blank(&self.rec) {
                break;
            }
        }
        let line = self.rec.position().map(|p| p.line()).unwrap_or(0);
        let place = Place::Line(line);
        if self.rec.len() != self.width {
            return Err(InputError::at(
                path,
                Some(line),
                format!("expected {} fields, found {}", self.width, self.rec.len()),
            ));
        }
        let field = |i: usize| &self.rec[self.positions[i]];
        let int = |i: usize| -> Result<u64, InputError> {
            std::str::from_utf8(field(i))
                .ok()
                .and_then(|s| s.parse::<u64>().ok())
                .ok_or_else(|| {
                    self.check.not_integer(
                        place,
                        TASKS_HEADER[i],
                        format_args!("{:?}", String::from_utf8_lossy(field(i))),
                    )
                })
        };
        let id = self.check.license(place, int(0)?)?;
        let task_id = int(1)?;
        let epoch = int(2)?;
        let shown = String::from_utf8_lossy(field(2));
        self.check
            .row(place, id, task_id, (epoch, shown), field(3))
            .map(Some)
    }

    fn digest(&self) -> [u8; INPUT_DIGEST_BYTES] {
        finish_digest(&self.rdr.get_ref().state)
    }
}

fn reader<R: Read>(inner: R) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(inner)
}

fn read_byte_record<R: Read>(
    path: &Path,
    rdr: &mut csv::Reader<R>,
    rec: &mut csv::ByteRecord,
) -> Result<bool, InputError> {
    rdr.read_byte_record(rec).map_err(|e| {
        let line = e.position().map(|p| p.line());
        InputError::at(path, line, format!("unreadable CSV: {e}"))
    })
}

fn blank(rec: &csv::ByteRecord) -> bool {
    rec.iter().all(|f| f.is_empty())
}

fn empty_file(path: &Path, header: &[&str]) -> InputError {
    InputError::at(
        path,
        Some(1),
        format!("empty file, expected a header with {:?}", header.join(",")),
    )
}

/// Parses tasks CSV bytes into licenses (`path` names the source in
/// errors).
pub fn parse_tasks(
    path: &Path,
    data: &[u8],
    shape: &Shape,
) -> Result<Vec<LicenseTasks>, InputError> {
    TaskStream::csv_bytes(path, data, shape, Shard::WHOLE)?.collect()
}

fn read_all(path: &Path) -> Result<Vec<u8>, InputError> {
    let mut f = std::fs::File::open(path).map_err(|e| InputError::at(path, None, e.to_string()))?;
    let mut data = Vec::new();
    f.read_to_end(&mut data)
        .map_err(|e| InputError::at(path, None, e.to_string()))?;
    Ok(data)
}

/// Most columns a file kind wants.
const MAX_WANTED: usize = 4;

/// Calls `row(line, fields)` for each data row of a CSV file whose header
/// holds the `header` columns, by name, in any order (names ignore case;
/// other columns are ignored), with the row's fields in `header` order.
/// One record buffer serves every row.
pub(crate) fn for_each_csv_row(
    path: &Path,
    data: &[u8],
    header: &[&str],
    mut row: impl FnMut(u64, &[&str]) -> Result<(), InputError>,
) -> Result<(), InputError> {
    debug_assert!(header.len() <= MAX_WANTED);
    let mut rdr = reader(data);
    let mut rec = csv::StringRecord::new();
    // Position of each wanted column in the file, and the file's width.
    let mut columns: Option<(Vec<usize>, usize)> = None;
    loop {
        let more = rdr.read_record(&mut rec).map_err(|e| {
            let line = e.position().map(|p| p.line());
            InputError::at(path, line, format!("unreadable CSV: {e}"))
        })?;
        if !more {
            break;
        }
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        if rec.iter().all(|f| f.is_empty()) {
            continue;
        }
        let Some((positions, width)) = &columns else {
            let names: Vec<String> = rec.iter().map(str::to_string).collect();
            columns = Some((header_positions(path, line, &names, header)?, rec.len()));
            continue;
        };
        if rec.len() != *width {
            return Err(InputError::at(
                path,
                Some(line),
                format!("expected {width} fields, found {}", rec.len()),
            ));
        }
        let mut fields = [""; MAX_WANTED];
        for (slot, &i) in fields.iter_mut().zip(positions) {
            *slot = &rec[i];
        }
        row(line, &fields[..positions.len()])?;
    }
    if columns.is_none() {
        return Err(empty_file(path, header));
    }
    Ok(())
}

/// Where each of the `wanted` columns sits among the header's `names`
/// (names ignore case).
fn header_positions(
    path: &Path,
    line: u64,
    names: &[String],
    wanted: &[&str],
) -> Result<Vec<usize>, InputError> {
    column_positions(names, wanted).map_err(|e| {
        InputError::at(
            path,
            Some(line),
            match e {
                ColumnError::Missing(w) => format!(
                    "bad header {:?}: no column {w:?} (expected the columns {:?}, in any order)",
                    names.join(","),
                    wanted.join(",")
                ),
                ColumnError::Twice(w) => format!("bad header: column {w:?} appears twice"),
            },
        )
    })
}

/// A wanted column that is missing or appears twice.
enum ColumnError<'w> {
    Missing(&'w str),
    Twice(&'w str),
}

/// Where each of the `wanted` columns sits among `names` (ignoring case).
fn column_positions<'w>(
    names: &[String],
    wanted: &[&'w str],
) -> Result<Vec<usize>, ColumnError<'w>> {
    wanted
        .iter()
        .map(|w| {
            let mut hits = names
                .iter()
                .enumerate()
                .filter(|(_, n)| n.eq_ignore_ascii_case(w));
            match (hits.next(), hits.next()) {
                (Some((i, _)), None) => Ok(i),
                (None, _) => Err(ColumnError::Missing(w)),
                (Some(_), Some(_)) => Err(ColumnError::Twice(w)),
            }
        })
        .collect()
}

fn number<T: std::str::FromStr>(
    path: &Path,
    line: u64,
    field: &str,
    value: &str,
) -> Result<T, InputError> {
    value.parse::<T>().map_err(|_| {
        InputError::at(
            path,
            Some(line),
            format!("{field} {value:?} is not a valid non-negative integer"),
        )
    })
}

fn license(path: &Path, line: u64, value: &str, shape: &Shape) -> Result<u64, InputError> {
    let id: u64 = number(path, line, "license_id", value)?;
    shape
        .check_license(id)
        .map_err(|e| InputError::at(path, Some(line), e.to_string()))?;
    Ok(id)
}

/// The exclusions file read for a snapshot: its entries and its digest.
#[derive(Debug, Clone)]
pub struct ExclusionInput {
    /// Excluded licenses.
    pub list: BTreeMap<u64, ExclusionReason>,
    /// BLAKE2b-256 of the file's bytes.
    pub digest: [u8; INPUT_DIGEST_BYTES],
}

/// Reads the exclusions file and its digest.
pub fn read_exclusion_input(path: &Path, shape: &Shape) -> Result<ExclusionInput, InputError> {
    let data = read_all(path)?;
    let mut state = input_digest_state();
    state.update(&data);
    Ok(ExclusionInput {
        list: parse_exclusions(path, &data, shape)?,
        digest: finish_digest(&state),
    })
}

/// Parses exclusions CSV bytes.
pub fn parse_exclusions(
    path: &Path,
    data: &[u8],
    shape: &Shape,
) -> Result<BTreeMap<u64, ExclusionReason>, InputError> {
    let mut out = BTreeMap::new();
    for_each_csv_row(path, data, &EXCLUSIONS_HEADER, |line, rec| {
        let id = license(path, line, rec[0], shape)?;
        let reason = ExclusionReason::parse(rec[1]).ok_or_else(|| {
            InputError::at(
                path,
                Some(line),
                format!("reason {:?} is not one of blacklisted, airdrop", rec[1]),
            )
        })?;
        if out.insert(id, reason).is_some() {
            return Err(InputError::at(
                path,
                Some(line),
                format!("license {id} is listed twice"),
            ));
        }
        Ok(())
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape() -> Shape {
        Shape::new(256, 4).unwrap()
    }

    fn err(data: &str) -> String {
        parse_tasks(Path::new("t.csv"), data.as_bytes(), &shape())
            .unwrap_err()
            .to_string()
    }

    fn ids(licenses: &[LicenseTasks]) -> Vec<u64> {
        licenses.iter().map(|l| l.license_id).collect()
    }

    #[test]
    fn parses_and_orders_tasks() {
        let logs = parse_tasks(
            Path::new("t.csv"),
            b"license_id,task_id,epoch,outcome\n3,9,2,executed\n3,4,1,missed\r\n5,1,1,failed\n\n",
            &shape(),
        )
        .unwrap();
        assert_eq!(ids(&logs), [3, 5]);
        assert_eq!(logs[0].entries[0].task_id, 4);
        assert_eq!(logs[0].entries[1].outcome, Outcome::Executed);
        assert_eq!(logs[0].rows, 2);
    }

    #[test]
    fn columns_are_matched_by_name_in_any_order() {
        let canonical = parse_tasks(
            Path::new("t.csv"),
            b"license_id,task_id,epoch,outcome\n3,9,2,executed\n3,4,1,missed\n",
            &shape(),
        )
        .unwrap();
        // Reordered, extra columns, names and outcome words in any case.
        let messy = parse_tasks(
            Path::new("t.csv"),
            b"Outcome,region,EPOCH,task_id,License_Id\nEXECUTED,eu,2,9,3\nMissed,us,1,4,3\n",
            &shape(),
        )
        .unwrap();
        assert_eq!(messy, canonical);
        let e = parse_exclusions(
            Path::new("e.csv"),
            b"note,REASON,license_id\nx,Blacklisted,1\n",
            &shape(),
        )
        .unwrap();
        assert_eq!(e[&1], ExclusionReason::Blacklisted);
        // A missing column is named.
        assert!(err("license_id,task_id,outcome\n").contains("no column \"epoch\""));
    }

    #[test]
    fn the_export_must_be_sorted_by_license() {
        // Licenses out of order, and a license whose rows are split, are
        // refused at the row that breaks the order; tasks within a license
        // may come in any order.
        assert!(
            err("license_id,task_id,epoch,outcome\n5,1,1,executed\n3,2,1,executed\n").starts_with(
                "t.csv:3: license 3 after license 5: the tasks must be sorted by license_id"
            )
        );
        assert!(err(
            "license_id,task_id,epoch,outcome\n3,1,1,executed\n5,2,1,executed\n3,3,1,executed\n"
        )
        .starts_with("t.csv:4: license 3 after license 5"));
        let ok = parse_tasks(
            Path::new("t.csv"),
            b"license_id,task_id,epoch,outcome\n3,9,9,executed\n3,1,1,executed\n5,2,1,failed\n",
            &shape(),
        )
        .unwrap();
        assert_eq!(ids(&ok), [3, 5]);
    }

    #[test]
    fn shards_keep_their_licenses_and_check_every_row() {
        let data = b"license_id,task_id,epoch,outcome\n0,1,1,executed\n1,2,1,executed\n\
                     2,3,1,missed\n3,4,1,failed\n4,5,1,executed\n";
        let shard = |i, n| {
            TaskStream::csv_bytes(
                Path::new("t.csv"),
                data,
                &shape(),
                Shard::new(i, n).unwrap(),
            )
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap()
        };
        assert_eq!(ids(&shard(0, 2)), [0, 2, 4]);
        assert_eq!(ids(&shard(1, 2)), [1, 3]);
        assert_eq!(ids(&shard(2, 3)), [2]);
        // A bad word in another shard's row is still an error in every shard.
        let bad = b"license_id,task_id,epoch,outcome\n0,1,1,executed\n1,2,1,done\n";
        for i in 0..2 {
            let e =
                TaskStream::csv_bytes(Path::new("t.csv"), bad, &shape(), Shard::new(i, 2).unwrap())
                    .unwrap()
                    .collect::<Result<Vec<_>, _>>()
                    .unwrap_err();
            assert!(
                e.to_string().starts_with("t.csv:3: outcome \"done\""),
                "{e}"
            );
        }
    }

    #[test]
    fn over_capacity_licenses_are_counted_not_kept() {
        let mut data = String::from("license_id,task_id,epoch,outcome\n");
        for t in 0..300 {
            data.push_str(&format!("1,{t},0,executed\n"));
        }
        data.push_str("2,0,0,executed\n");
        let logs = parse_tasks(Path::new("t.csv"), data.as_bytes(), &shape()).unwrap();
        assert_eq!(ids(&logs), [1, 2]);
        assert!(logs[0].over_capacity(&shape()) && logs[0].entries.is_empty());
        assert_eq!(logs[0].rows, 300);
        assert!(!logs[1].over_capacity(&shape()));
    }

    #[test]
    fn the_digest_is_blake2b_256_of_the_bytes() {
        let data = b"license_id,task_id,epoch,outcome\n1,2,3,executed\n";
        let mut stream =
            TaskStream::csv_bytes(Path::new("t.csv"), data, &shape(), Shard::WHOLE).unwrap();
        assert_eq!(stream.by_ref().count(), 1);
        assert_eq!(stream.rows(), 1);
        assert_eq!(
            stream.digest().as_slice(),
            blake2b_simd::Params::new()
                .hash_length(32)
                .hash(data)
                .as_bytes()
        );
        assert_eq!(stream.progress().fraction(), 1.0);
        let doc =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/protocol.md"))
                .unwrap();
        let digest = hex::encode(stream.digest());
        assert!(
            doc.contains(&format!("`{digest}`")),
            "docs/protocol.md lacks {digest}"
        );
    }

    #[test]
    fn errors_name_file_and_line() {
        assert_eq!(
            err("license,task_id,epoch,outcome\n"),
            "t.csv:1: bad header \"license,task_id,epoch,outcome\": no column \"license_id\" \
             (expected the columns \"license_id,task_id,epoch,outcome\", in any order)"
        );
        assert!(
            err("license_id,task_id,epoch,outcome\n1,2,99999999999,executed\n")
                .starts_with("t.csv:2: epoch \"99999999999\" (at most 4294967295)")
        );
        assert!(err("license_id,task_id,epoch,outcome,License_ID\n")
            .starts_with("t.csv:1: bad header: column \"license_id\" appears twice"));
        assert!(err("license_id,task_id,epoch,outcome\n1,2,3,done\n")
            .starts_with("t.csv:2: outcome \"done\""));
        assert!(
            err("license_id,task_id,epoch,outcome\n1,2,3,executed\nx,2,3,executed\n")
                .starts_with("t.csv:3: license_id \"x\"")
        );
        assert!(err("license_id,task_id,epoch,outcome\n-1,2,3,executed\n")
            .starts_with("t.csv:2: license_id"));
        assert!(err("license_id,task_id,epoch,outcome\n16,2,3,executed\n")
            .contains("does not fit a tree of depth 4"));
        assert!(
            err("license_id,task_id,epoch,outcome\n1,2,3,executed\n1,2,4,failed\n")
                .starts_with("t.csv:3: task 2 appears twice")
        );
        assert!(err("license_id,task_id,epoch,outcome\n1,2,3\n")
            .starts_with("t.csv:2: expected 4 fields"));
        assert!(err("").starts_with("t.csv:1: empty file"));
    }

    #[test]
    fn exclusions() {
        let ok = parse_exclusions(
            Path::new("e.csv"),
            b"license_id,reason\n1,blacklisted\n2,airdrop\n",
            &shape(),
        )
        .unwrap();
        assert_eq!(ok[&2], ExclusionReason::Airdrop);
        let e = parse_exclusions(
            Path::new("e.csv"),
            b"license_id,reason\n1,banned\n",
            &shape(),
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("e.csv:2: reason \"banned\""));
        let e = parse_exclusions(
            Path::new("e.csv"),
            b"license_id,reason\n1,airdrop\n1,blacklisted\n",
            &shape(),
        )
        .unwrap_err();
        assert!(e
            .to_string()
            .starts_with("e.csv:3: license 1 is listed twice"));
    }
}
