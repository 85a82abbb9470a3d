//! Switches that turn one constraint of the circuit off, for the mutation
//! test that shows every constraint is load-bearing.
//!
//! A constraint is a gate constraint, named by its gate and constraint
//! names as the constraint system holds them, or a copy link or pin of
//! [`Link::ALL`]. In a build without the `test-dependencies` feature every
//! constraint is always on and nothing here can change that; with it,
//! `without` runs a closure (a `MockProver` run, say) with one constraint
//! off on the current thread. `configure` consults the switches, so the
//! closure must configure the circuit itself.

use crate::chips::Link;

/// One constraint of the circuit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Constraint {
    /// A gate constraint.
    Gate {
        /// The gate's name.
        gate: &'static str,
        /// The constraint's name within the gate (every constraint of that
        /// name in the gate).
        name: &'static str,
    },
    /// A copy link or pin (every occurrence of it).
    Link(Link),
}

impl core::fmt::Display for Constraint {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Constraint::Gate { gate, name } => write!(f, "gate '{gate}' / '{name}'"),
            Constraint::Link(link) => write!(f, "link {}", link.name()),
        }
    }
}

#[cfg(feature = "test-dependencies")]
mod switch {
    use super::Constraint;
    use std::cell::Cell;

    thread_local! {
        static OFF: Cell<Option<Constraint>> = const { Cell::new(None) };
    }

    /// Runs `f` with `constraint` switched off on this thread.
    pub fn without<R>(constraint: Constraint, f: impl FnOnce() -> R) -> R {
        struct Restore(Option<Constraint>);
        impl Drop for Restore {
            fn drop(&mut self) {
                OFF.with(|off| off.set(self.0));
            }
        }
        let _restore = Restore(OFF.with(|off| off.replace(Some(constraint))));
        f()
    }

    pub(crate) fn is_on(constraint: Constraint) -> bool {
        OFF.with(|off| off.get() != Some(constraint))
    }
}

#[cfg(feature = "test-dependencies")]
pub use switch::without;

/// Whether `constraint` is on (always, without `test-dependencies`).
#[inline(always)]
pub(crate) fn is_on(constraint: Constraint) -> bool {
    #[cfg(feature = "test-dependencies")]
    {
        switch::is_on(constraint)
    }
    #[cfg(not(feature = "test-dependencies"))]
    {
        let _ = constraint;
        true
    }
}

/// Whether a copy link or pin is on.
#[inline(always)]
pub(crate) fn link_on(link: Link) -> bool {
    is_on(Constraint::Link(link))
}

/// The constraint `(name, expression)` of gate `gate`, or the zero
/// polynomial when the switch of that constraint is off.
pub(crate) fn gate_constraint(
    gate: &'static str,
    name: &'static str,
    expression: halo2_proofs::plonk::Expression<pasta_curves::Fp>,
) -> (
    &'static str,
    halo2_proofs::plonk::Expression<pasta_curves::Fp>,
) {
    if is_on(Constraint::Gate { gate, name }) {
        (name, expression)
    } else {
        (
            name,
            halo2_proofs::plonk::Expression::Constant(<pasta_curves::Fp as ff::Field>::ZERO),
        )
    }
}
