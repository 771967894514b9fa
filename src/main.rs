//! The `mcn` command: `serve` (the default) and `migrate`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use mcn::config::Settings;
use mcn::{startup, telemetry};

#[derive(Debug, Parser)]
#[command(name = "mcn", version, about = "MCN agency backend")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create the database if missing, apply migrations, and serve HTTP (the default).
    Serve,
    /// Create the database if missing and apply pending migrations, then exit.
    Migrate,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load() {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("mcn: {err}");
            return ExitCode::from(2);
        }
    };
    telemetry::init_tracing(&settings.log);
    let result = actix_web::rt::System::new().block_on(async move {
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => startup::serve(settings).await,
            Command::Migrate => startup::prepare_database(&settings).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = format!("{err:#}"), "mcn failed");
            eprintln!("mcn: {err:#}");
            ExitCode::FAILURE
        }
    }
}
