//! Bounded CPU work for password hashing: a few threads of its own (one per core by default),
//! at a lower OS priority, behind a short queue. A check that finds the queue full is refused at
//! once (503 `busy` with `Retry-After`) instead of waiting: under a login flood the hashing uses
//! the idle CPU and no more, and every other request and PostgreSQL keep their latency.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};

use crate::config::AuthSettings;
use crate::error::AppError;

type Job = Box<dyn FnOnce() + Send>;

/// The hashing threads and the places in their queue.
pub struct HashingPool {
    /// One permit per place: a running check or a waiting one.
    places: Arc<Semaphore>,
    jobs: Sender<Job>,
}

/// A place in the pool, taken before any other work of a request so that a refusal has no side
/// effects; given back when its job ends.
pub struct Place {
    _permit: OwnedSemaphorePermit,
}

impl HashingPool {
    /// Starts the threads `settings` ask for (0: one per core).
    pub fn new(settings: &AuthSettings) -> anyhow::Result<Self> {
        let threads = match settings.password_hashing_threads {
            0 => std::thread::available_parallelism().map_or(1, usize::from),
            n => n,
        };
        let places = threads + threads * settings.password_hashing_queue_per_thread;
        let (sender, receiver) = channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        for index in 0..threads {
            let receiver = Arc::clone(&receiver);
            let nice = settings.password_hashing_nice;
            std::thread::Builder::new()
                .name(format!("argon2-{index}"))
                .spawn(move || work(&receiver, nice))?;
        }
        Ok(Self {
            places: Arc::new(Semaphore::new(places)),
            jobs: sender,
        })
    }

    /// A place in the queue, or 503 `busy` when every place is taken.
    pub fn admit(&self) -> Result<Place, AppError> {
        Arc::clone(&self.places)
            .try_acquire_owned()
            .map(|permit| Place { _permit: permit })
            .map_err(|_| AppError::Busy {
                retry_after_secs: 1,
            })
    }

    /// Runs `work` on a hashing thread in `place`.
    pub async fn run<T: Send + 'static>(
        &self,
        place: Place,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let (done, answer) = oneshot::channel();
        let job: Job = Box::new(move || {
            let answer = work();
            // The place is free before the caller goes on.
            drop(place);
            let _ = done.send(answer);
        });
        self.jobs
            .send(job)
            .map_err(|_| AppError::Internal(anyhow::anyhow!("the hashing threads are gone")))?;
        answer
            .await
            .map_err(|_| AppError::Internal(anyhow::anyhow!("a hashing job failed")))
    }
}

/// One hashing thread: lowers its own priority, then runs jobs until the pool is dropped.
fn work(jobs: &Mutex<Receiver<Job>>, nice: i32) {
    lower_priority(nice);
    loop {
        let job = match jobs
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .recv()
        {
            Ok(job) => job,
            Err(_) => return,
        };
        // A panicking job drops its answer (the request fails); the thread stays.
        let _ = catch_unwind(AssertUnwindSafe(job));
    }
}

/// Raises this thread's nice value by `nice` (Linux: a thread id names one thread), so that
/// hashing only takes the CPU the rest of the service leaves idle.
#[cfg(target_os = "linux")]
fn lower_priority(nice: i32) {
    if nice <= 0 {
        return;
    }
    let thread = rustix::thread::gettid();
    let current = rustix::process::getpriority_process(Some(thread)).unwrap_or(0);
    if let Err(error) = rustix::process::setpriority_process(Some(thread), current + nice) {
        tracing::warn!(%error, "could not lower the priority of a hashing thread");
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_priority(_nice: i32) {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Profile, Settings};

    fn pool(threads: usize, queue_per_thread: usize) -> HashingPool {
        let mut settings = Settings::load_profile(Profile::Test, false).unwrap().auth;
        settings.password_hashing_threads = threads;
        settings.password_hashing_queue_per_thread = queue_per_thread;
        HashingPool::new(&settings).unwrap()
    }

    #[tokio::test]
    async fn places_are_the_threads_and_their_queue_and_come_back() {
        let pool = pool(2, 1);
        let places: Vec<Place> = (0..4).map(|_| pool.admit().unwrap()).collect();
        let refused = pool.admit().err().unwrap();
        assert_eq!(refused.code(), "busy");
        drop(places);
        let place = pool.admit().unwrap();
        assert_eq!(pool.run(place, || 6 * 7).await.unwrap(), 42);
        let again: Vec<Place> = (0..4).map(|_| pool.admit().unwrap()).collect();
        assert_eq!(again.len(), 4, "a finished job gives its place back");
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn hashing_threads_run_at_a_lower_priority() {
        let pool = pool(1, 0);
        let ours = rustix::process::getpriority_process(None).unwrap();
        let place = pool.admit().unwrap();
        let theirs = pool
            .run(place, || {
                rustix::process::getpriority_process(Some(rustix::thread::gettid())).unwrap()
            })
            .await
            .unwrap();
        let nice = Settings::load_profile(Profile::Test, false)
            .unwrap()
            .auth
            .password_hashing_nice;
        assert_eq!(theirs, (ours + nice).min(19));
    }

    #[tokio::test]
    async fn a_panicking_job_fails_alone() {
        let pool = pool(1, 0);
        let place = pool.admit().unwrap();
        assert!(pool.run(place, || panic!("boom")).await.is_err());
        let place = pool.admit().unwrap();
        assert_eq!(pool.run(place, || 1).await.unwrap(), 1);
    }
}
