//! `cargo buildbench ...`: cargo runs `cargo-buildbench buildbench ...`; the subcommand name it
//! inserts is dropped and the rest is the ordinary `buildbench` command line.

fn main() -> std::process::ExitCode {
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.get(1).is_some_and(|a| a == "buildbench") {
        args.remove(1);
    }
    buildbench::run_as(args, Some("cargo buildbench"))
}
