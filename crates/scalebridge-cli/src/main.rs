//! `scalebridge`: the command-line front end. All science lives in the `scalebridge` library;
//! this binary parses arguments, shows progress, and maps errors to exit codes
//! (0 success, 1 computation failure, 2 bad input).

mod cli;
mod commands;
mod progress;

use clap::Parser as _;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = match cli::Cli::try_parse() {
        Ok(a) => a,
        Err(e) if !e.use_stderr() => {
            // --help, --version
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            // clap's message on one line, like every other error (exit 2: bad input)
            let text = e.render().to_string();
            let parts: Vec<&str> = text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with("For more information"))
                .collect();
            eprintln!("{}", parts.join(" "));
            return ExitCode::from(2);
        }
    };
    if let Some(threads) = args.threads {
        if let Err(e) = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build_global()
        {
            eprintln!("error: cannot start {threads} threads: {e}");
            return ExitCode::from(1);
        }
    }
    match commands::run(args.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let mut msg = format!("error: {err}");
            for cause in err.chain().skip(1) {
                let text = cause.to_string();
                // library errors already quote their source
                if !msg.contains(&text) {
                    msg.push_str(&format!(": {text}"));
                }
            }
            eprintln!("{msg}");
            ExitCode::from(exit_code(&err))
        }
    }
}

/// 2 for bad input (anything the library classifies so), 1 otherwise.
fn exit_code(err: &anyhow::Error) -> u8 {
    match err
        .chain()
        .find_map(|e| e.downcast_ref::<scalebridge::Error>())
    {
        Some(e) if e.is_bad_input() => 2,
        Some(_) => 1,
        None => 1,
    }
}
