//! Progress as plain lines on stderr: the observer of the runner's drivers that report notes
//! only (`link`, `profile`), so every command hears the runner through `Observer`.

use buildbench_runner::{Event, Observer};

/// Prints each note on its own line, unless `quiet`.
pub struct Notes {
    pub quiet: bool,
}

impl Notes {
    pub fn line(&mut self, line: impl std::fmt::Display) {
        if !self.quiet {
            eprintln!("{line}");
        }
    }
}

impl Observer for Notes {
    fn event(&mut self, event: Event<'_>) {
        if let Event::Note(line) = event {
            self.line(line);
        }
    }
}
