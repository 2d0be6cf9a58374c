//! The `buildbench` executable.

fn main() -> std::process::ExitCode {
    buildbench::run(std::env::args_os().collect())
}
