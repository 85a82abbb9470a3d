//! The task-detail digest computed in parallel (same tree as
//! [`eligo_circuits::native::detail_digest`], which stays the sequential
//! reference).

use eligo_circuits::native::{
    detail_node, detail_root_to_field, empty_detail_subtrees, DetailNode,
};
use eligo_circuits::{Fp, Shape, StatementError, TaskEntry};
use rayon::prelude::*;

/// Levels below this many nodes are hashed on one thread.
const PAR_MIN_LEN: usize = 512;

/// Root of the task-detail tree, leaves and levels hashed in parallel.
pub fn detail_digest(shape: &Shape, entries: &[TaskEntry]) -> Result<Fp, StatementError> {
    if entries.len() > shape.capacity() {
        return Err(StatementError::TooManyTasks(
            entries.len(),
            shape.capacity(),
        ));
    }
    let depth = shape.detail_depth() as usize;
    let empty = empty_detail_subtrees(depth as u32);
    let mut level: Vec<DetailNode> = entries
        .par_iter()
        .with_min_len(PAR_MIN_LEN)
        .map(TaskEntry::detail_leaf)
        .collect();
    for e in empty.iter().take(depth) {
        level = level
            .par_chunks(2)
            .with_min_len(PAR_MIN_LEN)
            .map(|p| detail_node(&p[0], p.get(1).unwrap_or(e)))
            .collect();
    }
    Ok(detail_root_to_field(level.first().unwrap_or(&empty[depth])))
}

#[cfg(test)]
mod tests {
    use super::*;
    use eligo_circuits::Outcome;

    #[test]
    fn parallel_digest_matches_the_reference() {
        let shape = Shape::new(2048, 4).unwrap();
        for n in [0, 1, 2, 3, 1000, 2047, 2048] {
            let entries: Vec<TaskEntry> = (0..n)
                .map(|i| TaskEntry {
                    task_id: i as u64 * 7,
                    epoch: (i / 10) as u32,
                    outcome: [Outcome::Executed, Outcome::Failed, Outcome::Missed][i % 3],
                })
                .collect();
            assert_eq!(
                detail_digest(&shape, &entries).unwrap(),
                eligo_circuits::native::detail_digest(&shape, &entries).unwrap(),
                "{n} tasks"
            );
        }
    }
}
