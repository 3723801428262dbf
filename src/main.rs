//! The `strata` command.

fn main() -> std::process::ExitCode {
    strata::cli::run()
}
