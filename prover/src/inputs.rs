//! Input CSV files of the network's export.
//!
//! * tasks: columns `license_id`, `task_id`, `epoch`, `outcome`, outcome
//!   one of `executed`, `failed`, `missed`;
//! * exclusions: columns `license_id`, `reason`, reason `blacklisted` or
//!   `airdrop`.
//!
//! Columns are matched by name in any order, other columns are ignored,
//! and names and words ignore case. Every error names the file and the
//! line (1-based, the header is line 1).

use std::collections::{BTreeMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use eligo_circuits::{ExclusionReason, Outcome, Shape, TaskEntry};
use thiserror::Error;

/// Header of the tasks file.
pub const TASKS_HEADER: [&str; 4] = ["license_id", "task_id", "epoch", "outcome"];
/// Header of the exclusions file.
pub const EXCLUSIONS_HEADER: [&str; 2] = ["license_id", "reason"];

/// An input error at a place in a file.
#[derive(Debug, Error)]
#[error("{}{}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct InputError {
    /// The file.
    pub path: PathBuf,
    /// The line, when known.
    pub line: Option<u64>,
    /// What is wrong.
    pub message: String,
}

impl InputError {
    /// An error at `path:line`.
    pub fn at(path: &Path, line: Option<u64>, message: impl Into<String>) -> Self {
        InputError {
            path: path.to_path_buf(),
            line,
            message: message.into(),
        }
    }
}

/// Tasks grouped by license, each log in canonical order (epoch, task id).
pub type TaskLogs = BTreeMap<u64, Vec<TaskEntry>>;

fn reader(data: &[u8]) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(data)
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
fn for_each_record(
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
            columns = Some((header_positions(path, line, &rec, header)?, rec.len()));
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
        return Err(InputError::at(
            path,
            Some(1),
            format!("empty file, expected a header with {:?}", header.join(",")),
        ));
    }
    Ok(())
}

/// Where each of the `wanted` columns sits in the header row `rec`.
fn header_positions(
    path: &Path,
    line: u64,
    rec: &csv::StringRecord,
    wanted: &[&str],
) -> Result<Vec<usize>, InputError> {
    let names: Vec<String> = rec.iter().map(str::to_ascii_lowercase).collect();
    wanted
        .iter()
        .map(|w| {
            let mut hits = names.iter().enumerate().filter(|(_, n)| n == w);
            match (hits.next(), hits.next()) {
                (Some((i, _)), None) => Ok(i),
                (None, _) => Err(InputError::at(
                    path,
                    Some(line),
                    format!(
                        "bad header {:?}: no column {w:?} (expected the columns {:?}, in any order)",
                        rec.iter().collect::<Vec<_>>().join(","),
                        wanted.join(",")
                    ),
                )),
                (Some(_), Some(_)) => Err(InputError::at(
                    path,
                    Some(line),
                    format!("bad header: column {w:?} appears twice"),
                )),
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

/// Parses the tasks file.
pub fn read_tasks(path: &Path, shape: &Shape) -> Result<TaskLogs, InputError> {
    parse_tasks(path, &read_all(path)?, shape)
}

/// Parses tasks CSV bytes (`path` names the source in errors).
pub fn parse_tasks(path: &Path, data: &[u8], shape: &Shape) -> Result<TaskLogs, InputError> {
    let mut logs: TaskLogs = BTreeMap::new();
    let mut seen: HashSet<(u64, u64)> = HashSet::new();
    for_each_record(path, data, &TASKS_HEADER, |line, rec| {
        let id = license(path, line, rec[0], shape)?;
        let task_id: u64 = number(path, line, "task_id", rec[1])?;
        let epoch: u32 = number(path, line, "epoch", rec[2])?;
        let outcome = Outcome::parse(rec[3]).ok_or_else(|| {
            InputError::at(
                path,
                Some(line),
                format!(
                    "outcome {:?} is not one of executed, failed, missed",
                    rec[3]
                ),
            )
        })?;
        if !seen.insert((id, task_id)) {
            return Err(InputError::at(
                path,
                Some(line),
                format!("task {task_id} appears twice for license {id}"),
            ));
        }
        logs.entry(id).or_default().push(TaskEntry {
            task_id,
            epoch,
            outcome,
        });
        Ok(())
    })?;
    if logs.is_empty() {
        // A network export without a single task is a mistake, not a
        // program: an empty registry proves nothing for anyone.
        return Err(InputError::at(
            path,
            Some(1),
            "header only: the file has no task rows",
        ));
    }
    for log in logs.values_mut() {
        log.sort_by_key(|e| (e.epoch, e.task_id));
    }
    Ok(logs)
}

/// Parses the exclusions file.
pub fn read_exclusions(
    path: &Path,
    shape: &Shape,
) -> Result<BTreeMap<u64, ExclusionReason>, InputError> {
    parse_exclusions(path, &read_all(path)?, shape)
}

/// Parses exclusions CSV bytes.
pub fn parse_exclusions(
    path: &Path,
    data: &[u8],
    shape: &Shape,
) -> Result<BTreeMap<u64, ExclusionReason>, InputError> {
    let mut out = BTreeMap::new();
    for_each_record(path, data, &EXCLUSIONS_HEADER, |line, rec| {
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

    #[test]
    fn parses_and_orders_tasks() {
        let logs = parse_tasks(
            Path::new("t.csv"),
            b"license_id,task_id,epoch,outcome\n3,9,2,executed\n3,4,1,missed\r\n5,1,1,failed\n\n",
            &shape(),
        )
        .unwrap();
        assert_eq!(logs.len(), 2);
        assert_eq!(logs[&3][0].task_id, 4);
        assert_eq!(logs[&3][1].outcome, Outcome::Executed);
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
    fn errors_name_file_and_line() {
        assert_eq!(
            err("license,task_id,epoch,outcome\n"),
            "t.csv:1: bad header \"license,task_id,epoch,outcome\": no column \"license_id\" \
             (expected the columns \"license_id,task_id,epoch,outcome\", in any order)"
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
