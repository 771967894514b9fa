//! The `mcn` command: `serve` (the default), `migrate`, `distribute` and `create-agency`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use mcn::agencies::signup::NewAgency;
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
    /// On a Citus database: apply pending migrations, then make the global tables reference
    /// tables and distribute every tenant table by agency_id, colocated (docs/scale-out.md).
    /// Run it again after every migration; on plain PostgreSQL it has nothing to do.
    Distribute {
        /// Shards per tenant table when they are first distributed (Citus' citus.shard_count,
        /// 32 unless set); tables added later follow the existing ones.
        #[arg(long)]
        shards: Option<u32>,
    },
    /// Create an agency and its first owner without the sign-up endpoint. The owner's password
    /// is read from MCN_OWNER_PASSWORD or, when unset, from the first line of standard input.
    CreateAgency {
        /// The agency's name.
        #[arg(long)]
        name: String,
        /// The owner's email (their login).
        #[arg(long)]
        email: String,
        /// The owner's display name (default: the email's local part).
        #[arg(long)]
        display_name: Option<String>,
        /// IANA time zone of the agency (default Asia/Shanghai).
        #[arg(long)]
        time_zone: Option<String>,
    },
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
            Command::Distribute { shards } => {
                let report = startup::distribute(&settings, shards).await?;
                println!("{report}");
                Ok(())
            }
            Command::CreateAgency {
                name,
                email,
                display_name,
                time_zone,
            } => {
                let password = read_owner_password()?;
                let input = NewAgency {
                    agency_name: name,
                    email,
                    password,
                    display_name,
                    time_zone,
                };
                let (agency, owner) = startup::create_agency(&settings, input).await?;
                println!(
                    "{}",
                    serde_json::json!({ "agency_id": agency.id, "owner_id": owner.id, "email": owner.email })
                );
                Ok(())
            }
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

fn read_owner_password() -> anyhow::Result<String> {
    if let Ok(password) = std::env::var("MCN_OWNER_PASSWORD") {
        return Ok(password);
    }
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}
