//! The `strata` command.

// Planning and applying large graphs allocate many small maps; mimalloc
// halves the time the system allocator spends on them.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    strata::cli::run()
}
