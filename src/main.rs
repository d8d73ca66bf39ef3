//! The `trailflow` binary: everything it does is `trailflow::cli::dispatch::main`.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    trailflow::cli::dispatch::main()
}
