//! Tasks from a Parquet file, read column by column with the `parquet`
//! crate's typed column readers, a batch of rows at a time.
//!
//! * Columns are found by name (any case, any order; other columns are
//!   ignored). They must be top-level and not repeated.
//! * `license_id`, `task_id` and `epoch` may be any integer type: 32- or
//!   64-bit, signed or unsigned (logical `INT(8…64, signed|unsigned)`, or a
//!   DECIMAL of scale 0), as long as each value is non-negative and fits
//!   (`epoch` in 32 bits unsigned).
//! * `outcome` is a string (BYTE_ARRAY, `STRING` or `ENUM`), any case.
//! * Nulls are refused.
//!
//! Errors name the row group and the row within it, both 0-based.

use std::fs::File;
use std::io::Read;
use std::panic::{catch_unwind, AssertUnwindSafe};

use eligo_circuits::TaskEntry;
use parquet::basic::{ConvertedType, LogicalType, Type as PhysicalType};
use parquet::column::reader::{ColumnReader, ColumnReaderImpl};
use parquet::data_type::{ByteArray, ByteArrayType, Int32Type, Int64Type};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::schema::types::ColumnDescriptor;

use super::{
    finish_digest, input_digest_state, InputError, Place, ReadProgress, RowCheck, RowSource,
    INPUT_DIGEST_BYTES, TASKS_HEADER,
};

/// Rows decoded per column per batch.
const BATCH_ROWS: usize = 64 * 1024;
/// Bytes hashed per read when digesting the file.
const DIGEST_CHUNK: usize = 1 << 20;

/// How an integer column's values read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum IntColumn {
    /// 32-bit, signed or not.
    I32 { signed: bool },
    /// 64-bit, signed or not.
    I64 { signed: bool },
}

/// One wanted integer column's reader and decoded batch.
enum IntReader {
    I32(ColumnReaderImpl<Int32Type>, Vec<i32>),
    I64(ColumnReaderImpl<Int64Type>, Vec<i64>),
}

/// The outcome column's reader and decoded batch.
struct WordReader(ColumnReaderImpl<ByteArrayType>, Vec<ByteArray>);

/// Columns of the row group being read.
struct Group {
    ints: [(IntColumn, IntReader); 3],
    words: WordReader,
    /// Rows of the group.
    rows: u64,
    /// Rows of the group decoded so far.
    decoded: u64,
    /// Rows of the current batch, and the next one to hand out.
    batch: usize,
    next: usize,
}

/// One column's `read_records` into a definition-level buffer: records,
/// values and levels read.
type ReadBatch<'a> =
    dyn FnMut(&mut Vec<i16>) -> parquet::errors::Result<(usize, usize, usize)> + 'a;

/// Rows of a tasks Parquet file.
pub(super) struct ParquetRows {
    check: RowCheck,
    reader: SerializedFileReader<File>,
    /// Column index and kind of `license_id`, `task_id`, `epoch`.
    ints: [(usize, IntColumn); 3],
    /// Column index of `outcome`.
    outcome: usize,
    group_index: usize,
    group: Option<Group>,
    digest: [u8; INPUT_DIGEST_BYTES],
    progress: ReadProgress,
}

/// Runs a call into the `parquet` crate, turning a panic on malformed
/// bytes into an error: nothing a file holds may abort the program.
fn guarded<T>(
    check: &RowCheck,
    place: Option<Place>,
    f: impl FnOnce() -> parquet::errors::Result<T>,
) -> Result<T, InputError> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(InputError::at_place(
            &check.path,
            place,
            format!("unreadable Parquet: {e}"),
        )),
        Err(_) => Err(InputError::at_place(
            &check.path,
            place,
            "unreadable Parquet: malformed file",
        )),
    }
}

impl ParquetRows {
    /// Opens the file (its digest is computed first, in one pass).
    pub(super) fn open(
        check: RowCheck,
        mut file: File,
    ) -> Result<(Self, ReadProgress), InputError> {
        let digest = digest_file(&check, &mut file)?;
        let reader = guarded(&check, None, || SerializedFileReader::new(file))?;
        let meta = reader.metadata();
        let schema = meta.file_metadata().schema_descr();
        let names: Vec<String> = schema
            .columns()
            .iter()
            .map(|c| c.name().to_string())
            .collect();
        let positions = super::column_positions(&names, &TASKS_HEADER).map_err(|e| {
            InputError::at_place(
                &check.path,
                None,
                match e {
                    super::ColumnError::Missing(w) => format!(
                        "no column {w:?} (columns: {:?}; expected {:?}, in any order)",
                        names.join(","),
                        TASKS_HEADER.join(",")
                    ),
                    super::ColumnError::Twice(w) => format!("column {w:?} appears twice"),
                },
            )
        })?;
        for &i in &positions {
            let c = schema.column(i);
            if c.path().parts().len() != 1 || c.max_rep_level() > 0 {
                return Err(InputError::at_place(
                    &check.path,
                    None,
                    format!(
                        "column {:?} is nested or repeated: expected a top-level column",
                        c.path().string()
                    ),
                ));
            }
        }
        let int =
            |k: usize| int_column(&check, &schema.column(positions[k])).map(|t| (positions[k], t));
        let ints = [int(0)?, int(1)?, int(2)?];
        word_column(&check, &schema.column(positions[3]))?;
        let total = meta.file_metadata().num_rows().max(0) as u64;
        let progress = ReadProgress::new(total);
        Ok((
            ParquetRows {
                check,
                reader,
                ints,
                outcome: positions[3],
                group_index: 0,
                group: None,
                digest,
                progress: progress.clone(),
            },
            progress,
        ))
    }

    /// Opens the next row group with rows; `false` at the end of the file.
    fn open_group(&mut self) -> Result<bool, InputError> {
        let groups = self.reader.metadata().num_row_groups();
        while self.group_index < groups {
            let g = self.group_index;
            let place = Some(Place::Row { group: g, row: 0 });
            let rows = self.reader.metadata().row_group(g).num_rows().max(0) as u64;
            if rows == 0 {
                self.group_index += 1;
                continue;
            }
            let (ints, outcome) = (self.ints, self.outcome);
            let reader = &self.reader;
            let columns = guarded(&self.check, place, || {
                let group = reader.get_row_group(g)?;
                let readers = [
                    group.get_column_reader(ints[0].0)?,
                    group.get_column_reader(ints[1].0)?,
                    group.get_column_reader(ints[2].0)?,
                    group.get_column_reader(outcome)?,
                ];
                Ok(readers)
            })?;
            let [a, b, c, d] = columns;
            let int_reader = |kind: IntColumn, r: ColumnReader| match (kind, r) {
                (IntColumn::I32 { .. }, ColumnReader::Int32ColumnReader(r)) => {
                    Ok(IntReader::I32(r, Vec::new()))
                }
                (IntColumn::I64 { .. }, ColumnReader::Int64ColumnReader(r)) => {
                    Ok(IntReader::I64(r, Vec::new()))
                }
                _ => Err(InputError::at_place(
                    &self.check.path,
                    place,
                    "unreadable Parquet: column type differs from the schema",
                )),
            };
            let words = match d {
                ColumnReader::ByteArrayColumnReader(r) => WordReader(r, Vec::new()),
                _ => {
                    return Err(InputError::at_place(
                        &self.check.path,
                        place,
                        "unreadable Parquet: column type differs from the schema",
                    ))
                }
            };
            self.group = Some(Group {
                ints: [
                    (ints[0].1, int_reader(ints[0].1, a)?),
                    (ints[1].1, int_reader(ints[1].1, b)?),
                    (ints[2].1, int_reader(ints[2].1, c)?),
                ],
                words,
                rows,
                decoded: 0,
                batch: 0,
                next: 0,
            });
            return Ok(true);
        }
        Ok(false)
    }

    /// Decodes the next batch of the current group; `false` when the group
    /// is done.
    fn next_batch(&mut self) -> Result<bool, InputError> {
        let g = self.group_index;
        let check = &self.check;
        let group = self.group.as_mut().expect("a group is open");
        if group.decoded >= group.rows {
            return Ok(false);
        }
        let want = BATCH_ROWS.min((group.rows - group.decoded) as usize);
        let first = group.decoded;
        let mut defs: Vec<i16> = Vec::with_capacity(want);
        let mut read = |what: &str, f: &mut ReadBatch<'_>| -> Result<(), InputError> {
            defs.clear();
            let place = Some(Place::Row {
                group: g,
                row: first,
            });
            let (records, values, levels) = guarded(check, place, || f(&mut defs))?;
            if records != want {
                return Err(InputError::at_place(
                    &check.path,
                    place,
                    format!(
                        "unreadable Parquet: column {what} ends early ({records} of {want} rows)"
                    ),
                ));
            }
            if values != records {
                // Some row is null: name the first one.
                let row = if levels == 0 {
                    0
                } else {
                    defs.iter().position(|&d| d == 0).unwrap_or(0)
                };
                return Err(InputError::at_place(
                    &check.path,
                    Some(Place::Row {
                        group: g,
                        row: first + row as u64,
                    }),
                    format!("{what} is null"),
                ));
            }
            Ok(())
        };
        for (k, (_, r)) in group.ints.iter_mut().enumerate() {
            match r {
                IntReader::I32(r, v) => {
                    v.clear();
                    read(TASKS_HEADER[k], &mut |d| {
                        r.read_records(want, Some(d), None, v)
                    })?
                }
                IntReader::I64(r, v) => {
                    v.clear();
                    read(TASKS_HEADER[k], &mut |d| {
                        r.read_records(want, Some(d), None, v)
                    })?
                }
            }
        }
        let WordReader(r, v) = &mut group.words;
        v.clear();
        read(TASKS_HEADER[3], &mut |d| {
            r.read_records(want, Some(d), None, v)
        })?;
        group.batch = want;
        group.next = 0;
        group.decoded += want as u64;
        self.progress.add(want as u64);
        Ok(true)
    }
}

impl RowSource for ParquetRows {
    fn next_row(&mut self) -> Result<Option<(Place, u64, TaskEntry)>, InputError> {
        loop {
            match &self.group {
                None => {
                    if !self.open_group()? {
                        return Ok(None);
                    }
                }
                Some(g) if g.next < g.batch => break,
                Some(_) => {
                    if !self.next_batch()? {
                        self.group = None;
                        self.group_index += 1;
                    }
                }
            }
        }
        let group = self.group.as_mut().expect("a batch is ready");
        let i = group.next;
        group.next += 1;
        let place = Place::Row {
            group: self.group_index,
            row: group.decoded - group.batch as u64 + i as u64,
        };
        let check = &self.check;
        let int = |k: usize| -> Result<u64, InputError> {
            let (kind, r) = &group.ints[k];
            let value: i128 = match r {
                IntReader::I32(_, v) => match kind {
                    IntColumn::I32 { signed: false } => i128::from(v[i] as u32),
                    _ => i128::from(v[i]),
                },
                IntReader::I64(_, v) => match kind {
                    IntColumn::I64 { signed: false } => i128::from(v[i] as u64),
                    _ => i128::from(v[i]),
                },
            };
            u64::try_from(value).map_err(|_| check.not_integer(place, TASKS_HEADER[k], value))
        };
        let id = check.license(place, int(0)?)?;
        let task_id = int(1)?;
        let epoch = int(2)?;
        check
            .row(place, id, task_id, (epoch, epoch), group.words.1[i].data())
            .map(Some)
    }

    fn digest(&self) -> [u8; INPUT_DIGEST_BYTES] {
        self.digest
    }
}

/// BLAKE2b-256 of the whole file, which is left at its start.
fn digest_file(check: &RowCheck, file: &mut File) -> Result<[u8; INPUT_DIGEST_BYTES], InputError> {
    use std::io::{Seek, SeekFrom};
    let io = |e: std::io::Error| InputError::at_place(&check.path, None, e.to_string());
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    let mut state = input_digest_state();
    let mut buf = vec![0u8; DIGEST_CHUNK];
    loop {
        let n = file.read(&mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        state.update(&buf[..n]);
    }
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    Ok(finish_digest(&state))
}

/// The kind of an integer column, or why it is not one.
fn int_column(check: &RowCheck, c: &ColumnDescriptor) -> Result<IntColumn, InputError> {
    let unsigned = match (c.logical_type_ref(), c.converted_type()) {
        (Some(LogicalType::Integer(t)), _) => Some(!t.is_signed),
        (Some(LogicalType::Decimal(d)), _) if d.scale == 0 => Some(false),
        (Some(_), _) => None,
        (None, ConvertedType::NONE | ConvertedType::INT_8 | ConvertedType::INT_16)
        | (None, ConvertedType::INT_32 | ConvertedType::INT_64) => Some(false),
        (None, ConvertedType::UINT_8 | ConvertedType::UINT_16)
        | (None, ConvertedType::UINT_32 | ConvertedType::UINT_64) => Some(true),
        (None, ConvertedType::DECIMAL) if c.type_scale() == 0 => Some(false),
        (None, _) => None,
    };
    match (c.physical_type(), unsigned) {
        (PhysicalType::INT32, Some(u)) => Ok(IntColumn::I32 { signed: !u }),
        (PhysicalType::INT64, Some(u)) => Ok(IntColumn::I64 { signed: !u }),
        (t, _) => Err(InputError::at_place(
            &check.path,
            None,
            format!(
                "column {:?} has type {t}{}: expected an integer column",
                c.name(),
                c.logical_type_ref()
                    .map(|l| format!(" ({l:?})"))
                    .unwrap_or_default()
            ),
        )),
    }
}

/// Checks that the outcome column holds strings.
fn word_column(check: &RowCheck, c: &ColumnDescriptor) -> Result<(), InputError> {
    let text = matches!(
        c.logical_type_ref(),
        None | Some(LogicalType::String) | Some(LogicalType::Enum)
    ) && matches!(
        c.converted_type(),
        ConvertedType::NONE | ConvertedType::UTF8 | ConvertedType::ENUM
    );
    if c.physical_type() == PhysicalType::BYTE_ARRAY && text {
        return Ok(());
    }
    Err(InputError::at_place(
        &check.path,
        None,
        format!(
            "column {:?} has type {}: expected a string column",
            c.name(),
            c.physical_type()
        ),
    ))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use eligo_circuits::Shape;
    use rand::{RngExt, SeedableRng};

    use crate::inputs::{parse_tasks, LicenseTasks, TaskStream};
    use crate::shard::Shard;
    use crate::synthetic::{ParquetColumn as C, ParquetFile};

    fn shape() -> Shape {
        Shape::new(256, 4).unwrap()
    }

    /// Writes `groups` row groups under `schema` and reads the file back.
    fn read(schema: &str, groups: &[Vec<C>]) -> Result<Vec<LicenseTasks>, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.parquet");
        let mut f = ParquetFile::create(&path, schema).unwrap();
        for g in groups {
            f.write_group(g).unwrap();
        }
        f.close().unwrap();
        let stream = TaskStream::open(&path, &shape(), Shard::WHOLE).map_err(|e| e.to_string())?;
        stream.collect::<Result<Vec<_>, _>>().map_err(|e| {
            e.to_string()
                .replace(&path.display().to_string(), "t.parquet")
        })
    }

    fn csv(data: &str) -> Vec<LicenseTasks> {
        parse_tasks(Path::new("t.csv"), data.as_bytes(), &shape()).unwrap()
    }

    const CANONICAL: &str = "message t { required int64 license_id; required int64 task_id; \
                             required int32 epoch; required binary outcome (STRING); }";

    fn text(words: &[&str]) -> C {
        C::Text(words.iter().map(|w| w.to_string()).collect())
    }

    #[test]
    fn parquet_reads_as_the_same_csv() {
        let want = csv(
            "license_id,task_id,epoch,outcome\n1,9,2,executed\n1,4,1,missed\n\
                        3,5,0,failed\n3,6,0,executed\n",
        );
        // Canonical types; a license split across two row groups.
        let got = read(
            CANONICAL,
            &[
                vec![
                    C::I64(vec![1, 1, 3]),
                    C::I64(vec![9, 4, 5]),
                    C::I32(vec![2, 1, 0]),
                    text(&["executed", "missed", "failed"]),
                ],
                vec![
                    C::I64(vec![3]),
                    C::I64(vec![6]),
                    C::I32(vec![0]),
                    text(&["EXECUTED"]),
                ],
            ],
        )
        .unwrap();
        assert_eq!(got, want);
        // Other integer types, columns in another order and case, extra
        // columns, a dictionary-free ENUM outcome.
        let got = read(
            "message t { required binary Outcome (ENUM); required double score; \
             required int32 EPOCH (INTEGER(16, false)); required int32 license_id (INTEGER(32,true)); \
             required int64 task_id (INTEGER(64, false)); optional int64 note; }",
            &[vec![
                text(&["Executed", "missed", "failed", "executed"]),
                C::F64(vec![0.5; 4]),
                C::I32(vec![2, 1, 0, 0]),
                C::I32(vec![1, 1, 3, 3]),
                C::I64(vec![9, 4, 5, 6]),
                C::OptionalI64(vec![None, Some(1), None, None]),
            ]],
        )
        .unwrap();
        assert_eq!(got, want);
        // Unsigned 64-bit ids above i64::MAX read as unsigned (and are then
        // out of the tree's range, not negative).
        let e = read(
            "message t { required int64 license_id (INTEGER(64, false)); required int64 task_id; \
             required int32 epoch; required binary outcome (STRING); }",
            &[vec![
                C::I64(vec![-1]),
                C::I64(vec![1]),
                C::I32(vec![0]),
                text(&["executed"]),
            ]],
        )
        .unwrap_err();
        assert!(e.contains("18446744073709551615"), "{e}");
    }

    #[test]
    fn parquet_errors_name_row_group_and_row() {
        let group = |ids: Vec<i64>, words: &[&str]| {
            let n = ids.len();
            vec![
                C::I64(ids),
                C::I64((0..n as i64).collect()),
                C::I32(vec![0; n]),
                text(words),
            ]
        };
        let e = read(
            CANONICAL,
            &[
                group(vec![1, 2], &["executed", "executed"]),
                group(vec![3, 4], &["executed", "done"]),
            ],
        )
        .unwrap_err();
        assert_eq!(
            e,
            "t.parquet: row group 1, row 1: outcome \"done\" is not one of executed, failed, missed"
        );
        let e = read(
            CANONICAL,
            &[
                group(vec![1, 2], &["executed", "executed"]),
                group(vec![3, 2], &["executed", "executed"]),
            ],
        )
        .unwrap_err();
        assert!(
            e.starts_with("t.parquet: row group 1, row 1: license 2 after license 3"),
            "{e}"
        );
        let e = read(CANONICAL, &[group(vec![-4], &["executed"])]).unwrap_err();
        assert_eq!(
            e,
            "t.parquet: row group 0, row 0: license_id -4 is not a valid non-negative integer"
        );
        let e = read(CANONICAL, &[group(vec![16], &["executed"])]).unwrap_err();
        assert!(
            e.contains("row group 0, row 0") && e.contains("depth 4"),
            "{e}"
        );
        let e = read(
            "message t { optional int64 license_id; required int64 task_id; required int32 epoch; \
             required binary outcome (STRING); }",
            &[vec![
                C::OptionalI64(vec![Some(1), None]),
                C::I64(vec![1, 2]),
                C::I32(vec![0, 0]),
                text(&["executed", "failed"]),
            ]],
        )
        .unwrap_err();
        assert_eq!(e, "t.parquet: row group 0, row 1: license_id is null");
        let e = read(
            "message t { required double license_id; required int64 task_id; required int32 epoch; \
             required binary outcome (STRING); }",
            &[vec![C::F64(vec![1.0]), C::I64(vec![1]), C::I32(vec![0]), text(&["executed"])]],
        )
        .unwrap_err();
        assert!(
            e.contains("column \"license_id\" has type DOUBLE: expected an integer column"),
            "{e}"
        );
        let e = read(
            "message t { required int64 license_id; required int64 task_id; required binary outcome (STRING); }",
            &[vec![C::I64(vec![1]), C::I64(vec![1]), text(&["executed"])]],
        )
        .unwrap_err();
        assert!(e.contains("no column \"epoch\""), "{e}");
        let e = read(
            "message t { required int64 license_id; required int64 task_id; required int64 epoch; \
             required binary outcome (STRING); }",
            &[vec![
                C::I64(vec![1]),
                C::I64(vec![1]),
                C::I64(vec![1 << 40]),
                text(&["executed"]),
            ]],
        )
        .unwrap_err();
        assert!(
            e.contains("epoch 1099511627776 (at most 4294967295)"),
            "{e}"
        );
        let e = read(
            "message t { required int64 license_id; required int64 task_id; required int32 epoch; \
             required int32 outcome; }",
            &[vec![
                C::I64(vec![1]),
                C::I64(vec![1]),
                C::I32(vec![1]),
                C::I32(vec![1]),
            ]],
        )
        .unwrap_err();
        assert!(e.contains("expected a string column"), "{e}");
    }

    #[test]
    fn damaged_parquet_files_are_errors_not_panics() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.parquet");
        let mut f = ParquetFile::create(&path, CANONICAL).unwrap();
        f.write_group(&[
            C::I64(vec![1, 1, 2]),
            C::I64(vec![1, 2, 3]),
            C::I32(vec![0, 0, 1]),
            text(&["executed", "missed", "failed"]),
        ])
        .unwrap();
        f.close().unwrap();
        let good = std::fs::read(&path).unwrap();
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(12);
        let bad = dir.path().join("bad.parquet");
        for round in 0..400 {
            let mut bytes = good.clone();
            match round % 3 {
                0 => {
                    for _ in 0..rng.random_range(1..4) {
                        let i = rng.random_range(4..bytes.len());
                        bytes[i] = rng.random();
                    }
                }
                1 => bytes.truncate(rng.random_range(4..bytes.len())),
                _ => {
                    let i = rng.random_range(4..bytes.len() - 8);
                    bytes[i..i + 4].copy_from_slice(&rng.random::<u32>().to_le_bytes());
                }
            }
            std::fs::write(&bad, &bytes).unwrap();
            // Either it reads (a byte that does not matter) or it is an
            // error naming the file; never a panic.
            if let Err(e) = TaskStream::open(&bad, &shape(), Shard::WHOLE)
                .and_then(|s| s.collect::<Result<Vec<_>, _>>())
            {
                assert!(e.to_string().starts_with(&bad.display().to_string()), "{e}");
            }
        }
    }
}
