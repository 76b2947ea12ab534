//! Progress bars on stderr (hidden with `--quiet`), behind the library's
//! [`scalebridge::pipeline::Progress`].

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use scalebridge::pipeline::Progress;
use std::sync::Mutex;

/// One bar per phase of a job; nothing is drawn when `quiet`.
#[derive(Debug)]
pub struct Bars {
    quiet: bool,
    bar: Mutex<Option<ProgressBar>>,
}

impl Bars {
    /// Bars on stderr unless `quiet`.
    pub fn new(quiet: bool) -> Self {
        Bars {
            quiet,
            bar: Mutex::new(None),
        }
    }

    fn with(&self, f: impl FnOnce(&ProgressBar)) {
        if let Ok(guard) = self.bar.lock()
            && let Some(pb) = guard.as_ref()
        {
            f(pb);
        }
    }
}

impl Progress for Bars {
    fn start(&self, what: &str, total: u64) {
        // a phase of unknown length (total 0): no bar and no ETA; its messages say how far it
        // got (a fit: `sweep 28: ELBO …`)
        let known = total > 0;
        let pb = ProgressBar::with_draw_target(
            known.then_some(total),
            if self.quiet {
                ProgressDrawTarget::hidden()
            } else {
                ProgressDrawTarget::stderr()
            },
        );
        let template = if known {
            "{msg:>12} [{bar:40}] {pos}/{len} ({elapsed}, eta {eta})"
        } else {
            "{msg:>12} ({elapsed})"
        };
        pb.set_style(
            ProgressStyle::with_template(template)
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        pb.set_message(what.to_owned());
        if let Ok(mut guard) = self.bar.lock() {
            *guard = Some(pb);
        }
    }
    fn inc(&self, k: u64) {
        self.with(|pb| pb.inc(k));
    }
    fn message(&self, msg: &str) {
        self.with(|pb| pb.set_message(msg.to_owned()));
    }
    fn finish(&self) {
        if let Ok(mut guard) = self.bar.lock()
            && let Some(pb) = guard.take()
        {
            pb.finish_and_clear();
        }
    }
}
