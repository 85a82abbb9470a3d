//! Draws the eligibility circuit's layout (regions per column, equality
//! cells) to an SVG file with halo2's dev-graph.
//!
//! `cargo run --release -p eligo-circuits --features layout-graph --example layout -- CAPACITY DEPTH OUT.svg`

use eligo_circuits::{layout, EligibilityCircuit, Shape};
use halo2_proofs::dev::CircuitLayout;
use plotters::prelude::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let capacity: usize = args.get(1).map(|s| s.parse()).transpose()?.unwrap_or(1024);
    let depth: u32 = args.get(2).map(|s| s.parse()).transpose()?.unwrap_or(20);
    let out = args.get(3).cloned().unwrap_or_else(|| "layout.svg".into());
    let shape = Shape::new(capacity, depth)?;
    let k = layout::k_for(&shape);
    let root = SVGBackend::new(&out, (1600, 1000)).into_drawing_area();
    root.fill(&WHITE)?;
    CircuitLayout::default()
        .show_labels(false)
        .mark_equality_cells(true)
        .render(k, &EligibilityCircuit::blank(shape), &root)?;
    root.present()?;
    println!("wrote {out} (capacity {capacity}, depth {depth}, k = {k})");
    Ok(())
}
