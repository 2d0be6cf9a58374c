//! Turns results into text: terminal tables, Markdown, CSV, JSON and a self-contained HTML
//! report with SVG charts. Returns bytes and strings; never prints or writes files (the CLI does).

pub mod across_studies;
pub mod apply;
pub mod charts;
pub mod color;
pub mod diagnose;
pub mod diff;
pub mod doctor;
pub mod export;
pub mod format;
pub mod gate;
pub mod history;
mod html_escape;
pub mod hyperfine;
pub mod link;
pub mod page;
pub mod profile;
pub mod recommend;
pub mod study_view;
pub mod summary;
mod table;
pub mod timings;
pub mod tune;
pub mod view;
pub mod whatif;

pub use format::seconds;
pub use summary::{Cell, Status, StudySummary, summarize};
pub use table::{Align, Table};
