//! What a download shows: on a terminal, a bar per file in flight and one for the total;
//! otherwise plain lines (start, retries, completion of each file), so logs stay readable.

use std::io::IsTerminal;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The display of one download.
#[derive(Clone)]
pub struct Progress {
    bars: Option<MultiProgress>,
    total: ProgressBar,
}

impl Progress {
    /// Bars when stderr is a terminal, plain lines otherwise.
    pub fn new(total_bytes: u64) -> Self {
        if !std::io::stderr().is_terminal() {
            return Progress {
                bars: None,
                total: ProgressBar::hidden(),
            };
        }
        let bars = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let total = bars.add(ProgressBar::new(total_bytes).with_style(style()));
        total.set_message("total");
        Progress {
            bars: Some(bars),
            total,
        }
    }

    /// A line above the bars (or on stderr).
    pub fn say(&self, line: &str) {
        match &self.bars {
            Some(bars) => {
                let _ = bars.println(line);
            }
            None => eprintln!("{line}"),
        }
    }

    /// Bytes already on disk before this run (resumed), counted without a transfer.
    pub fn skip(&self, bytes: u64) {
        self.total.inc(bytes);
    }

    /// The bar of one file.
    pub fn file(&self, name: &str, size: u64, present: u64) -> FileProgress {
        let bar = match &self.bars {
            Some(bars) => {
                let bar = bars.insert_before(&self.total, ProgressBar::new(size));
                bar.set_style(style());
                bar.set_message(short_name(name));
                bar.set_position(present);
                bar
            }
            None => ProgressBar::hidden(),
        };
        FileProgress {
            bar,
            total: self.total.clone(),
        }
    }

    pub fn finish(&self) {
        self.total.finish_and_clear();
    }
}

/// The progress of one file, feeding the total too.
#[derive(Clone)]
pub struct FileProgress {
    bar: ProgressBar,
    total: ProgressBar,
}

impl FileProgress {
    pub fn advance(&self, bytes: u64) {
        self.bar.inc(bytes);
        self.total.inc(bytes);
    }

    /// Takes back bytes of a part that will be fetched again.
    pub fn take_back(&self, bytes: u64) {
        self.bar
            .set_position(self.bar.position().saturating_sub(bytes));
        self.total
            .set_position(self.total.position().saturating_sub(bytes));
    }

    pub fn done(&self) {
        self.bar.finish_and_clear();
    }
}

fn style() -> ProgressStyle {
    ProgressStyle::with_template(
        "{msg:>24} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
}

/// The last 24 characters of a path, so bars line up.
fn short_name(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    if chars.len() <= 24 {
        name.to_owned()
    } else {
        let tail: String = chars[chars.len() - 23..].iter().collect();
        format!("…{tail}")
    }
}
