//! Turns results into text: terminal tables and JSON views. Returns strings; never prints or
//! writes files (the CLI does).

pub mod compare;
mod table;
pub mod timings;

pub use table::{Align, Table};

/// Seconds for humans: `0.42s`, `10.1s`, `75.3s`.
pub fn seconds(s: f64) -> String {
    if s < 10.0 { format!("{s:.2}s") } else { format!("{s:.1}s") }
}
