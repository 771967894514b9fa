//! The login ceiling for `bench/login.sh`: how many argon2id password verifications this machine
//! does per second with the server's own parameters, on N threads for T seconds.
//!
//! The parameters come from the settings exactly as `mcn serve` loads them (`config/`, `MCN_ENV`,
//! `MCN__AUTH__ARGON2_*`), and the hash is verified the way a login verifies it (parameters read
//! back from the PHC string), so the figure is what logins could reach at best.
//!
//! Usage: `cargo run --release --example argon2_ceiling -- [threads, default: cores] [seconds, default 10]`
//! Prints one line: `argon2_ceiling m=… t=… p=… threads=… seconds=… verifies=… verifies_per_s=…`.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let threads: usize = match args.next() {
        Some(value) => value.parse().context("threads: a whole number")?,
        None => cores,
    };
    let seconds: f64 = match args.next() {
        Some(value) => value.parse().context("seconds: a number")?,
        None => 10.0,
    };
    anyhow::ensure!(threads >= 1, "at least one thread");

    let settings = mcn::config::Settings::load()?;
    let auth = &settings.auth;
    let params = Params::new(
        auth.argon2_memory_kib,
        auth.argon2_iterations,
        auth.argon2_parallelism,
        None,
    )
    .map_err(|err| anyhow::anyhow!("argon2 parameters: {err}"))?;
    let password = "bench-ceiling-password";
    let salt = SaltString::generate(&mut OsRng);
    let hash = Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password(password.as_bytes(), &salt)
        .map_err(|err| anyhow::anyhow!("hashing: {err}"))?
        .to_string();

    let duration = Duration::from_secs_f64(seconds);
    let started = Instant::now();
    let counts: Vec<anyhow::Result<u64>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| -> anyhow::Result<u64> {
                    let mut done = 0u64;
                    while started.elapsed() < duration {
                        let parsed = PasswordHash::new(&hash)
                            .map_err(|err| anyhow::anyhow!("parsing the hash: {err}"))?;
                        Argon2::default()
                            .verify_password(password.as_bytes(), &parsed)
                            .map_err(|err| anyhow::anyhow!("verifying: {err}"))?;
                        done += 1;
                    }
                    Ok(done)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|worker| {
                worker
                    .join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("a thread panicked")))
            })
            .collect()
    });
    let elapsed = started.elapsed().as_secs_f64();
    let mut verifies = 0u64;
    for count in counts {
        verifies += count?;
    }
    println!(
        "argon2_ceiling m={} t={} p={} threads={threads} cores={cores} seconds={elapsed:.2} verifies={verifies} verifies_per_s={:.2}",
        auth.argon2_memory_kib,
        auth.argon2_iterations,
        auth.argon2_parallelism,
        verifies as f64 / elapsed,
    );
    Ok(())
}
