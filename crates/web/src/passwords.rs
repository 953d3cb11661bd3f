//! Password and security-answer hashing with argon2id (m=19456 KiB, t=2, p=1).
//!
//! Hashing is the most expensive thing the server does, so it runs on a fixed number of dedicated threads
//! (≈ one per core) with a short bounded queue in front; work beyond that is refused at once with 503 rather than
//! queued without bound. Each worker thread reuses its 19 MiB block buffer instead of allocating per hash.

use argon2::{Algorithm, Argon2, Block, Params, PasswordHash, Version};
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use subtle::ConstantTimeEq;
use tokio::sync::oneshot;

const M_COST_KIB: u32 = 19_456;
const T_COST: u32 = 2;
const P_COST: u32 = 1;
const OUTPUT_LEN: usize = 32;
const SALT_LEN: usize = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overloaded;

type Job = Box<dyn FnOnce() + Send>;

#[derive(Clone)]
pub struct Hasher {
    inner: Arc<Inner>,
}

struct Inner {
    jobs: mpsc::Sender<Job>,
    admitted: AtomicUsize,
    max_admitted: usize,
    /// A real hash of a random secret: unknown usernames are checked against it so they cost the same time.
    dummy_hash: String,
}

/// A place among the admitted hashing requests, released however the request ends (including cancellation).
pub struct Admission(Arc<Inner>);

impl Drop for Admission {
    fn drop(&mut self) {
        self.0.admitted.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Admission {
    /// Verifies under this admission.
    pub async fn verify(self, secret: String, phc: String) -> bool {
        self.run(move || verify_blocking(&secret, &phc)).await
    }

    /// Spends the time of a real verification and always fails: for identifiers that match no account.
    pub async fn verify_dummy(self, secret: String) -> bool {
        let phc = self.0.dummy_hash.clone();
        self.run(move || {
            verify_blocking(&secret, &phc);
            false
        })
        .await
    }

    async fn run<T: Send + 'static>(self, work: impl FnOnce() -> T + Send + 'static) -> T {
        let (done, result) = oneshot::channel();
        let started = std::time::Instant::now();
        let job: Job = Box::new(move || {
            let _ = done.send(work());
        });
        self.0.jobs.send(job).expect("hashing threads live as long as the Hasher");
        let result = result.await.expect("hashing does not panic");
        metrics::histogram!("kaowu_hash_seconds").record(started.elapsed().as_secs_f64());
        result
    }
}

fn params() -> Params {
    Params::new(M_COST_KIB, T_COST, P_COST, Some(OUTPUT_LEN)).expect("valid argon2 parameters")
}

thread_local! {
    static BLOCKS: RefCell<Vec<Block>> = RefCell::new(vec![Block::default(); params().block_count()]);
}

fn argon2_raw(secret: &[u8], salt: &[u8], params: Params, out: &mut [u8]) -> Result<(), argon2::Error> {
    let hasher = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    BLOCKS.with(|blocks| {
        let mut blocks = blocks.borrow_mut();
        if blocks.len() < params.block_count() {
            blocks.resize(params.block_count(), Block::default());
        }
        hasher.hash_password_into_with_memory(secret, salt, out, &mut blocks[..params.block_count()])
    })
}

/// Hashes on the calling thread; returns a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`).
pub fn hash_blocking(secret: &str) -> String {
    let salt: [u8; SALT_LEN] = store::pii::random_bytes();
    let mut out = [0u8; OUTPUT_LEN];
    argon2_raw(secret.as_bytes(), &salt, params(), &mut out).expect("argon2 with valid parameters");
    format!(
        "$argon2id$v=19$m={M_COST_KIB},t={T_COST},p={P_COST}${}${}",
        STANDARD_NO_PAD.encode(salt),
        STANDARD_NO_PAD.encode(out)
    )
}

/// Verifies on the calling thread, in constant time; a malformed stored hash never matches.
pub fn verify_blocking(secret: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else { return false };
    let (Ok(params), Some(salt), Some(expected)) = (Params::try_from(&parsed), parsed.salt, parsed.hash) else {
        return false;
    };
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else { return false };
    let mut out = vec![0u8; expected.len()];
    if argon2_raw(secret.as_bytes(), salt, params, &mut out).is_err() {
        return false;
    }
    out.ct_eq(expected.as_bytes()).into()
}

impl Hasher {
    /// `workers` dedicated threads hash at once (each keeps its own 19 MiB buffer, so memory is bounded by
    /// `workers`); up to `queue` more requests wait for one; anything beyond is refused at once.
    pub fn new(workers: usize, queue: usize) -> Hasher {
        let workers = workers.max(1);
        let (jobs, receiver) = mpsc::channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        for n in 0..workers {
            let receiver = Arc::clone(&receiver);
            std::thread::Builder::new()
                .name(format!("argon2-{n}"))
                .spawn(move || {
                    // Ends when the last Hasher handle (and with it the sender) is dropped.
                    loop {
                        let job = match receiver.lock() {
                            Ok(guard) => guard.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                })
                .expect("spawning a hashing thread");
        }
        Hasher {
            inner: Arc::new(Inner {
                jobs,
                admitted: AtomicUsize::new(0),
                max_admitted: workers + queue,
                dummy_hash: hash_blocking(&hex::encode(store::pii::random_bytes::<16>())),
            }),
        }
    }

    /// A place for one hashing request, or `Overloaded` at once. Taken before any other work of a login, so
    /// an overloaded server refuses without touching the database.
    pub fn admit(&self) -> Result<Admission, Overloaded> {
        let inner = &self.inner;
        if inner.admitted.fetch_add(1, Ordering::AcqRel) >= inner.max_admitted {
            inner.admitted.fetch_sub(1, Ordering::AcqRel);
            metrics::counter!("kaowu_hash_overload_total").increment(1);
            return Err(Overloaded);
        }
        Ok(Admission(Arc::clone(inner)))
    }

    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, Overloaded> {
        Ok(self.admit()?.run(work).await)
    }

    pub async fn hash(&self, secret: String) -> Result<String, Overloaded> {
        self.run(move || hash_blocking(&secret)).await
    }

    /// Hashes several secrets (password and security answer) under one admission.
    pub async fn hash_all<const N: usize>(&self, secrets: [String; N]) -> Result<[String; N], Overloaded> {
        self.run(move || secrets.map(|s| hash_blocking(&s))).await
    }

    pub async fn verify(&self, secret: String, phc: String) -> Result<bool, Overloaded> {
        self.run(move || verify_blocking(&secret, &phc)).await
    }

    /// Spends the time of a real verification and always fails: for identifiers that match no account.
    pub async fn verify_dummy(&self, secret: String) -> Result<bool, Overloaded> {
        Ok(self.admit()?.verify_dummy(secret).await)
    }
}


#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_phc_format() {
        let phc = hash_blocking("Kw7!river");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_blocking("Kw7!river", &phc));
        assert!(!verify_blocking("Kw7!rivers", &phc));
        assert!(!verify_blocking("Kw7!river", "not a hash"));
    }

    #[test]
    fn agrees_with_the_argon2_crate_reference_verifier() {
        use argon2::PasswordVerifier;
        let phc = hash_blocking("正确的密码Aa1");
        let parsed = PasswordHash::new(&phc).unwrap();
        assert!(Argon2::default().verify_password("正确的密码Aa1".as_bytes(), &parsed).is_ok());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn refuses_work_beyond_the_queue_at_once() {
        let hasher = Hasher::new(1, 1);
        let results = futures_join(&hasher, 6).await;
        assert!(results.iter().any(|r| r.is_err()), "some requests must be refused");
        assert!(results.iter().filter(|r| r.is_ok()).count() >= 2);
    }

    async fn futures_join(hasher: &Hasher, n: usize) -> Vec<Result<String, Overloaded>> {
        let handles: Vec<_> = (0..n)
            .map(|i| {
                let h = hasher.clone();
                tokio::spawn(async move { h.hash(format!("secret{i}")).await })
            })
            .collect();
        let mut out = Vec::new();
        for h in handles {
            out.push(h.await.unwrap());
        }
        out
    }
}
