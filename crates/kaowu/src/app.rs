//! Startup: connect, migrate, build the router, listen, and shut down gracefully (in-flight requests finish).

use crate::config::{Config, PiiSetting, local_pii_keys};
use anyhow::Context;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;
use integrations::chsi::ChsiSimulator;
use integrations::tencent_faceid::FaceIdSimulator;
use integrations::wechat::{AppKind, WechatSimulator};
use store::{Db, PiiVault, Store};
use tokio::net::TcpListener;

pub async fn open_store(config: &Config) -> anyhow::Result<Store> {
    if config.is_sqlite() {
        std::fs::create_dir_all(&config.data_dir).with_context(|| format!("creating {}", config.data_dir.display()))?;
    }
    let db = Db::connect(&config.database_url, &config.db).await.context("connecting to the database")?;
    db.migrate().await.context("applying migrations")?;
    let keys = match &config.pii {
        PiiSetting::Keys(keys) => keys.clone(),
        PiiSetting::LocalFile => local_pii_keys(&config.data_dir)?,
    };
    let vault = PiiVault::new(&keys).map_err(anyhow::Error::msg)?;
    Ok(Store::new(db, vault))
}

/// The simulators of external systems that `kaowu demo` serves in-process, under `/sim/…`.
#[derive(Clone)]
pub struct Simulators {
    pub chsi: ChsiSimulator,
    /// The demo's official account, website app and mini-program (the demo's appids and secrets).
    pub wechat: WechatSimulator,
    /// Tencent Cloud FaceID (two-factor identity check, face verification), for the demo's API key.
    pub faceid: FaceIdSimulator,
    /// The demo admins' authenticator app (their TOTP codes).
    pub authenticator: integrations::authenticator::AuthenticatorSimulator,
}

impl Default for Simulators {
    fn default() -> Self {
        Simulators {
            chsi: ChsiSimulator::default(),
            wechat: WechatSimulator::new(crate::config::DEMO_WECHAT_APPID, crate::config::DEMO_WECHAT_SECRET)
                .with_app(AppKind::Website, crate::config::DEMO_WECHAT_WEB_APPID, crate::config::DEMO_WECHAT_WEB_SECRET)
                .with_app(AppKind::MiniProgram, crate::config::DEMO_WECHAT_MINI_APPID, crate::config::DEMO_WECHAT_MINI_SECRET),
            faceid: FaceIdSimulator::new(crate::config::DEMO_FACEID_SECRET_ID, crate::config::DEMO_FACEID_SECRET_KEY, FACEID_SIMULATOR_PATH),
            authenticator: Default::default(),
        }
    }
}

pub const CHSI_SIMULATOR_PATH: &str = "/sim/chsi";
pub const WECHAT_SIMULATOR_PATH: &str = "/sim/wechat";
pub const FACEID_SIMULATOR_PATH: &str = "/sim/faceid";
pub const AUTHENTICATOR_SIMULATOR_PATH: &str = "/sim/authenticator";

/// A bound, ready-to-run server. Binding happens first so port 0 works and the address is known.
pub struct Application {
    listener: TcpListener,
    state: web::AppState,
    simulators: Option<Simulators>,
}

impl Application {
    pub async fn build(config: &Config) -> anyhow::Result<Application> {
        let store = open_store(config).await?;
        Application::with_store(config, store, None).await
    }

    /// With `simulators`, external systems whose address is not configured are pointed at them.
    pub async fn with_store(config: &Config, store: Store, simulators: Option<Simulators>) -> anyhow::Result<Application> {
        let listener = TcpListener::bind(config.listen).await.with_context(|| format!("listening on {}", config.listen))?;
        let mut settings = config.web.clone();
        if simulators.is_some() && config.chsi_base_url.is_none() {
            let address = listener.local_addr()?;
            settings.chsi_base_url = format!("http://{address}{CHSI_SIMULATOR_PATH}");
        }
        if let (Some(simulators), None, Some(wechat)) = (&simulators, &config.wechat_api_base, settings.wechat.as_mut()) {
            let address = listener.local_addr()?;
            wechat.api_base = format!("http://{address}{WECHAT_SIMULATOR_PATH}");
            if config.wechat_open_base.is_none() {
                wechat.open_base = wechat.api_base.clone();
            }
            // The simulated phone delivers its pushes to this server's callback, with this account's keys.
            simulators.wechat.set_callback(integrations::wechat::CallbackTarget {
                url: format!("http://{address}/wechat/callback"),
                token: wechat.token.clone(),
                mode: wechat.mode,
                crypto: wechat.crypto(),
                original_id: "gh_kaowu_demo".into(),
            });
        }
        if let (Some(_), None, Some(faceid)) = (&simulators, &config.faceid_endpoint, settings.faceid.as_mut()) {
            faceid.endpoint = format!("http://{}{FACEID_SIMULATOR_PATH}", listener.local_addr()?);
        }
        let objects = store::objects::Objects::open(&config.storage_url, &config.s3).context("opening object storage")?;
        tracing::info!(storage = objects.describe(), "object storage");
        let state = web::AppState::new(store, objects, settings).await?;
        Ok(Application { listener, state, simulators })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener has an address")
    }

    pub fn state(&self) -> &web::AppState {
        &self.state
    }

    /// Serves until `shutdown` completes, then lets in-flight requests finish and closes the database.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let state = self.state.clone();
        let housekeeping = tokio::spawn(housekeeping(state.clone()));
        let mut router = web::router(state.clone());
        if let Some(simulators) = &self.simulators {
            router = router.nest(CHSI_SIMULATOR_PATH, simulators.chsi.router());
            router = router.nest(WECHAT_SIMULATOR_PATH, simulators.wechat.router());
            router = router.nest(FACEID_SIMULATOR_PATH, simulators.faceid.router());
            router = router.nest(AUTHENTICATOR_SIMULATOR_PATH, simulators.authenticator.router());
        }
        let app = router.into_make_service_with_connect_info::<SocketAddr>();
        let (stop_workers, stopped) = tokio::sync::watch::channel(false);
        let workers = tokio::spawn(web::jobs::run_workers(state.clone(), state.settings.job_workers, wait_for_stop(stopped)));
        let shutdown = async move {
            shutdown.await;
            let _ = stop_workers.send(true);
        };
        axum::serve(self.listener, app).with_graceful_shutdown(shutdown).await?;
        let _ = workers.await;
        housekeeping.abort();
        state.store.db.close().await;
        Ok(())
    }
}

async fn wait_for_stop(mut stopped: tokio::sync::watch::Receiver<bool>) {
    let _ = stopped.wait_for(|stop| *stop).await;
}

/// `kaowu worker`: the background workers (and housekeeping) without the HTTP server.
pub async fn run_workers_only(config: &Config, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
    let store = open_store(config).await?;
    let objects = store::objects::Objects::open(&config.storage_url, &config.s3).context("opening object storage")?;
    let state = web::AppState::new(store, objects, config.web.clone()).await?;
    let housekeeping = tokio::spawn(housekeeping(state.clone()));
    tracing::info!(workers = state.settings.job_workers, "kaowu worker running");
    web::jobs::run_workers(state.clone(), state.settings.job_workers, shutdown).await;
    housekeeping.abort();
    state.store.db.close().await;
    Ok(())
}

async fn housekeeping(state: web::AppState) {
    let mut tick = tokio::time::interval(Duration::from_secs(600));
    loop {
        tick.tick().await;
        let now = web::state::now();
        match state.store.purge_expired_sessions(now).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(purged = n, "expired sessions removed"),
            Err(error) => tracing::warn!(error = %error, "session purge failed"),
        }
        if let Err(error) = state.store.purge_idempotency_keys(now).await {
            tracing::warn!(error = %error, "idempotency key purge failed");
        }
        // WeChat retries within seconds, the callback refuses pushes older than 5 minutes and QR codes live
        // minutes: a day is plenty.
        if let Err(error) = state.store.purge_wechat_pushes(now - 86_400).await {
            tracing::warn!(error = %error, "WeChat push purge failed");
        }
        if let Err(error) = state.store.purge_login_throttle(now).await {
            tracing::warn!(error = %error, "login throttle purge failed");
        }
        if let Err(error) = state.store.purge_webauthn_ceremonies(now).await {
            tracing::warn!(error = %error, "passkey ceremony purge failed");
        }
        if let Err(error) = state.store.purge_admin_sessions(now).await {
            tracing::warn!(error = %error, "console session purge failed");
        }
        if let Err(error) = state.store.purge_password_resets(now).await {
            tracing::warn!(error = %error, "password reset purge failed");
        }
        // Finished jobs are kept a week for looking into; dead ones stay until an admin retries them.
        if let Err(error) = state.store.purge_done_jobs(now - 7 * 86_400).await {
            tracing::warn!(error = %error, "finished job purge failed");
        }
        // Login records are kept six months (security.md), then dropped.
        if let Err(error) = state.store.purge_login_events(now - 183 * 86_400).await {
            tracing::warn!(error = %error, "login history purge failed");
        }
        // Bindings whose unionid could not be fetched when they were made (WeChat briefly unreachable).
        web::flows::wechat_login::learn_missing_unionids(&state).await;
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
