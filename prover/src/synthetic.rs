//! Generated licenses for benchmarks and the demo: full logs with a fixed
//! share of executed tasks, in memory or as export files (CSV, Parquet).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use eligo_circuits::{
    Address, ClaimContext, ExclusionReason, Outcome, PayoutOption, Shape, StatementError,
    TaskEntry, Threshold,
};
use eligo_verifier::SnapshotPublic;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

use crate::inputs::TaskLogs;
use crate::package::Package;
use crate::snapshot::{self, SnapshotConfig};
use crate::witness::{prepare, Details};
use crate::ProveJob;

/// Share of executed tasks in generated logs, per mille.
pub const EXECUTED_PER_MILLE: usize = 900;

/// Logs of licenses `0..n`, each with `capacity` tasks.
pub fn full_logs(shape: &Shape, n: usize) -> TaskLogs {
    let mut logs = BTreeMap::new();
    for id in 0..n as u64 {
        let entries: Vec<TaskEntry> = (0..shape.capacity())
            .map(|i| TaskEntry {
                task_id: id * 10_000_000 + i as u64,
                epoch: (i / 1000) as u32,
                outcome: if i * 1000 < shape.capacity() * EXECUTED_PER_MILLE {
                    Outcome::Executed
                } else {
                    Outcome::Missed
                },
            })
            .collect();
        logs.insert(id, entries);
    }
    logs
}

/// A snapshot of `n` full-log licenses (plus the last index blacklisted),
/// with a seeded RNG.
pub fn snapshot(shape: Shape, n: usize) -> Result<(SnapshotPublic, Vec<Package>), StatementError> {
    let logs = full_logs(&shape, n);
    let mut excl = BTreeMap::new();
    excl.insert(shape.max_licenses() - 1, ExclusionReason::Blacklisted);
    let config = SnapshotConfig {
        shape,
        threshold: Threshold::default_threshold(),
        program_id: "bench".into(),
    };
    let snap = snapshot::build(&config, &logs, &excl, &mut ChaCha20Rng::seed_from_u64(1))?;
    Ok((snap.public, snap.packages))
}

/// The claim context used by generated jobs.
pub fn context() -> ClaimContext {
    ClaimContext {
        chain_id: 1,
        contract: Address::parse("0xc1").expect("valid"),
        claimant: Address::parse("0xa1").expect("valid"),
        option: PayoutOption::Ifx,
    }
}

/// Proving jobs for the packages of a snapshot.
pub fn jobs(public: &SnapshotPublic, packages: &[Package]) -> Vec<ProveJob> {
    packages
        .iter()
        .map(|p| {
            let prepared = prepare(public, p, Details::Trust).expect("generated package");
            ProveJob {
                witness: prepared.witness.clone(),
                instance: prepared.instance(&context()),
            }
        })
        .collect()
}

/// The rows of a generated export of licenses `0..licenses`, each with
/// `tasks` tasks, sorted by license: `(license_id, task_id, epoch,
/// outcome)`, with [`EXECUTED_PER_MILLE`] of each log executed.
pub fn export_rows(licenses: u64, tasks: u64) -> impl Iterator<Item = (u64, u64, u32, Outcome)> {
    (0..licenses).flat_map(move |id| {
        (0..tasks).map(move |i| {
            let outcome = if i * 1000 < tasks * EXECUTED_PER_MILLE as u64 {
                Outcome::Executed
            } else if i % 2 == 0 {
                Outcome::Failed
            } else {
                Outcome::Missed
            };
            (id, id * 10_000_000 + i, (i / 1000) as u32, outcome)
        })
    })
}

/// Writes [`export_rows`] as a tasks CSV file.
pub fn write_csv_export(path: &Path, licenses: u64, tasks: u64) -> std::io::Result<()> {
    let mut w = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(w, "license_id,task_id,epoch,outcome")?;
    for (id, task, epoch, outcome) in export_rows(licenses, tasks) {
        writeln!(w, "{id},{task},{epoch},{}", outcome.as_str())?;
    }
    w.flush()
}

#[cfg(feature = "parquet")]
/// Rows per row group of [`write_parquet_export`].
pub const EXPORT_ROW_GROUP: usize = 1 << 20;

#[cfg(feature = "parquet")]
/// Writes [`export_rows`] as a tasks Parquet file (INT64 ids, INT32
/// epoch, STRING outcome; snappy), in row groups of [`EXPORT_ROW_GROUP`].
pub fn write_parquet_export(path: &Path, licenses: u64, tasks: u64) -> std::io::Result<()> {
    let mut w = ParquetFile::create(
        path,
        "message tasks { required int64 license_id; required int64 task_id; \
         required int32 epoch; required binary outcome (STRING); }",
    )?;
    let mut rows = export_rows(licenses, tasks).peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(EXPORT_ROW_GROUP).collect();
        w.write_group(&[
            ParquetColumn::I64(chunk.iter().map(|r| r.0 as i64).collect()),
            ParquetColumn::I64(chunk.iter().map(|r| r.1 as i64).collect()),
            ParquetColumn::I32(chunk.iter().map(|r| r.2 as i32).collect()),
            ParquetColumn::Text(chunk.iter().map(|r| r.3.as_str().to_string()).collect()),
        ])?;
    }
    w.close()
}

#[cfg(feature = "parquet")]
/// Values of one column of a row group written by [`ParquetFile`]
/// (`None` is a null).
#[derive(Clone, Debug)]
pub enum ParquetColumn {
    /// INT32 values.
    I32(Vec<i32>),
    /// INT64 values.
    I64(Vec<i64>),
    /// INT64 values of an optional column.
    OptionalI64(Vec<Option<i64>>),
    /// BYTE_ARRAY values.
    Text(Vec<String>),
    /// DOUBLE values.
    F64(Vec<f64>),
}

#[cfg(feature = "parquet")]
/// A Parquet file written a row group at a time, for tests and benches.
pub struct ParquetFile {
    writer: parquet::file::writer::SerializedFileWriter<std::fs::File>,
}

#[cfg(feature = "parquet")]
impl std::fmt::Debug for ParquetFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ParquetFile")
    }
}

#[cfg(feature = "parquet")]
fn parquet_io(e: parquet::errors::ParquetError) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

#[cfg(feature = "parquet")]
impl ParquetFile {
    /// A file with the schema `message` (Parquet's message-type syntax).
    pub fn create(path: &Path, message: &str) -> std::io::Result<Self> {
        use parquet::basic::Compression;
        use parquet::file::properties::WriterProperties;
        let schema = parquet::schema::parser::parse_message_type(message).map_err(parquet_io)?;
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .build();
        let writer = parquet::file::writer::SerializedFileWriter::new(
            std::fs::File::create(path)?,
            std::sync::Arc::new(schema),
            std::sync::Arc::new(props),
        )
        .map_err(parquet_io)?;
        Ok(ParquetFile { writer })
    }

    /// Writes one row group: one entry of `columns` per schema column.
    pub fn write_group(&mut self, columns: &[ParquetColumn]) -> std::io::Result<()> {
        use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int32Type, Int64Type};
        let mut group = self.writer.next_row_group().map_err(parquet_io)?;
        let mut values = columns.iter();
        while let Some(mut col) = group.next_column().map_err(parquet_io)? {
            let v = values
                .next()
                .ok_or_else(|| std::io::Error::other("fewer columns than the schema"))?;
            match v {
                ParquetColumn::I32(v) => col.typed::<Int32Type>().write_batch(v, None, None),
                ParquetColumn::I64(v) => col.typed::<Int64Type>().write_batch(v, None, None),
                ParquetColumn::OptionalI64(v) => {
                    let defs: Vec<i16> = v.iter().map(|x| i16::from(x.is_some())).collect();
                    let present: Vec<i64> = v.iter().flatten().copied().collect();
                    col.typed::<Int64Type>()
                        .write_batch(&present, Some(&defs), None)
                }
                ParquetColumn::Text(v) => {
                    let bytes: Vec<ByteArray> =
                        v.iter().map(|s| ByteArray::from(s.as_str())).collect();
                    col.typed::<ByteArrayType>().write_batch(&bytes, None, None)
                }
                ParquetColumn::F64(v) => col.typed::<DoubleType>().write_batch(v, None, None),
            }
            .map_err(parquet_io)?;
            col.close().map_err(parquet_io)?;
        }
        group.close().map_err(parquet_io)?;
        Ok(())
    }

    /// Finishes the file.
    pub fn close(self) -> std::io::Result<()> {
        self.writer.close().map_err(parquet_io)?;
        Ok(())
    }
}
