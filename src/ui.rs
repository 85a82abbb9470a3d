//! Progress and logs on stderr.

use std::path::Path;
use std::time::Duration;

use eligo_circuits::{layout, Shape};
use eligo_params::{Params, ParamsStore, Progress};
use indicatif::{ProgressBar, ProgressStyle};

/// Shows a spinner while parameters are generated.
pub struct ParamsProgress {
    bar: std::cell::RefCell<Option<ProgressBar>>,
}

impl ParamsProgress {
    pub fn new() -> Self {
        ParamsProgress {
            bar: std::cell::RefCell::new(None),
        }
    }
}

impl Progress for ParamsProgress {
    fn generating(&self, k: u32) {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} [{elapsed}]").expect("template"),
        );
        bar.set_message(format!(
            "generating IPA parameters for k = {k} (first run only, cached afterwards)"
        ));
        bar.enable_steady_tick(Duration::from_millis(200));
        *self.bar.borrow_mut() = Some(bar);
    }
    fn generated(&self, k: u32, elapsed: Duration) {
        if let Some(bar) = self.bar.borrow_mut().take() {
            bar.finish_and_clear();
        }
        eprintln!(
            "generated IPA parameters for k = {k} in {:.1} s",
            elapsed.as_secs_f64()
        );
    }
    fn discarded(&self, path: &Path, reason: &str) {
        eprintln!(
            "warning: {}: cached parameters are invalid ({reason}); regenerating",
            path.display()
        );
    }
}

/// Loads (or generates and caches) the parameters for `shape`.
pub fn params_for(shape: &Shape) -> Result<Params, crate::Failure> {
    let store = ParamsStore::at_default_home()?;
    let k = layout::k_for(shape);
    Ok(store.load_or_generate(k, &ParamsProgress::new())?)
}

/// A log line on stderr.
pub fn log(msg: impl AsRef<str>) {
    eprintln!("{}", msg.as_ref());
}

/// Writes one line to stdout, ignoring a closed pipe.
pub fn out(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout
        .write_fmt(args)
        .and_then(|()| stdout.write_all(b"\n"));
}
