use anyhow::Context;
use std::io::Write;
use clap::{Args, Parser, Subcommand};
use kaowu::app::{Application, open_store, shutdown_signal};
use kaowu::config::{Config, Mode, Sources};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

/// kaowu 考务 — the candidate platform of the national health professional and nurse qualification exams.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Zero-setup demo: SQLite under ./data, migrations, demo data; prints the URL.
    Demo(ServerArgs),
    /// Serve the platform (configure with --config, KAOWU_… variables or flags).
    Serve(ServerArgs),
    /// Run only the background workers (identity checks), no HTTP server; as many nodes as wanted.
    Worker(ServerArgs),
    /// Apply database migrations and exit.
    Migrate(ServerArgs),
    /// The photo tool on a file: prints every check and writes the one-inch photo; exits 0 only when it passes.
    Photo(PhotoArgs),
    /// Console admin accounts.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Load reference data from files.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Benchmarks that print ratios against a baseline measured in the same run.
    #[command(subcommand)]
    Bench(BenchCommand),
}

#[derive(Args, Clone, Default)]
struct ServerArgs {
    /// Address to listen on (KAOWU_LISTEN).
    #[arg(long)]
    listen: Option<String>,
    /// Directory for the SQLite database and local keys (KAOWU_DATA_DIR).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// TOML configuration file (KAOWU_CONFIG).
    #[arg(long)]
    config: Option<PathBuf>,
}

#[derive(Args)]
struct PhotoArgs {
    /// The original photo (JPEG or PNG).
    input: PathBuf,
    /// Where to write the one-inch photo (default 一寸报名照片.jpg in the current directory).
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// The exam year's photo spec (TOML; default the built-in current spec; KAOWU_PHOTO_SPEC).
    #[arg(long, env = "KAOWU_PHOTO_SPEC")]
    spec: Option<PathBuf>,
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Creates a national (全国) admin — the first one, who then creates province admins in the console.
    /// Prints a generated password once; the admin adds an authenticator (TOTP) at the first login.
    CreateNational {
        #[arg(long)]
        username: String,
        /// The name shown in the console and the audit log.
        #[arg(long, default_value = "全国管理员")]
        display_name: String,
        #[command(flatten)]
        server: ServerArgs,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// An exam year's plan (exams, specialties, 考区 and 考点, windows, fees, eligibility rules) from YAML or
    /// CSV. Checked whole first: on any problem every problem is printed with its line and nothing is applied.
    Plan {
        /// The plan file (.yaml, .yml or .csv).
        file: PathBuf,
        /// Why, for the audit log.
        #[arg(long, default_value = "导入考试计划")]
        reason: String,
        #[command(flatten)]
        server: ServerArgs,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Raw argon2id verifications/s vs HTTP password logins/s, peak server memory, overload behaviour.
    Login {
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
    /// Application submissions/s and 申请表 PDFs/s through HTTP, against reads and drawing without HTTP.
    Apply {
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Concurrent clients, each a candidate of its own for the reads and the 申请表.
        #[arg(long, default_value_t = 64)]
        clients: usize,
        /// Drafts prepared and then submitted, each once, as in a registration storm.
        #[arg(long, default_value_t = 10000)]
        submissions: usize,
        /// Run on a scratch database on this PostgreSQL server (e.g. postgres://postgres@127.0.0.1:5432/postgres),
        /// dropped afterwards, instead of SQLite.
        #[arg(long)]
        postgres: Option<String>,
    },
    /// 12-megapixel originals through the photo tool per second, against decoding alone.
    Photo {
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// The sample portrait (scripts/sample-images.sh puts it in .cache/samples/).
        #[arg(long, default_value = ".cache/samples/astronaut.png")]
        face: PathBuf,
    },
}

impl ServerArgs {
    fn sources(&self) -> Sources {
        let mut overrides = BTreeMap::new();
        if let Some(listen) = &self.listen {
            overrides.insert("listen".into(), listen.clone());
        }
        if let Some(dir) = &self.data_dir {
            overrides.insert("data_dir".into(), dir.display().to_string());
        }
        Sources { file: self.config.clone(), overrides }
    }
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(run(cli))
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let env: HashMap<String, String> = std::env::vars().collect();
    match cli.command {
        Command::Serve(args) => {
            let config = Config::load(&args.sources(), Mode::Serve, &env)?;
            kaowu::telemetry::init(config.log_format, &config.log_filter);
            let app = Application::build(&config).await?;
            tracing::info!(address = %app.local_addr(), "kaowu serving");
            app.run_until(shutdown_signal()).await
        }
        Command::Worker(args) => {
            let config = Config::load(&args.sources(), Mode::Serve, &env)?;
            kaowu::telemetry::init(config.log_format, &config.log_filter);
            kaowu::app::run_workers_only(&config, shutdown_signal()).await
        }
        Command::Demo(args) => {
            let config = Config::load(&args.sources(), Mode::Demo, &env)?;
            kaowu::telemetry::init(config.log_format, &config.log_filter);
            let store = open_store(&config).await?;
            let simulators = kaowu::app::Simulators::default();
            kaowu::demo::seed_console(&store, &simulators).await.context("seeding the demo's sites and admins")?;
            kaowu::plan::seed_demo_plan(&store).await.context("loading the demo's exam plan")?;
            kaowu::demo::seed(&store).await.context("seeding demo data")?;
            kaowu::demo::seed_simulators(&simulators);
            let app = Application::with_store(&config, store, Some(simulators)).await?;
            let address = app.local_addr();
            // Written without println!: a closed stdout (a pipe whose reader left) must not stop the server.
            let banner = format!(
                "\n  kaowu demo is running: http://{address}/\n  database: {}\n  demo candidate: username {} / password {}\n  CHSI report codes (simulator): {}\n  simulated WeChat (bind, QR login, website login): http://{address}/sim/wechat/phone\n  mini-program login: POST /api/v1/sessions/wechat-miniprogram with a code the phone page's 打开小程序 shows\n  simulated FaceID (face check in 忘记密码 → 人脸识别): pass or fail on the page it opens, under /sim/faceid\n  mini-program 人脸核身 (POST /api/v1/password-recovery/wechat-face/…): pass or fail it on the phone page\n  passkeys (通行密钥) need a domain name: open http://localhost:{port}/ for them\n  console for exam authorities: http://{address}/admin/login — password {} for {}; the second factor's codes: http://{address}/sim/authenticator\n  press Ctrl-C to stop\n\n",
                redact(&config.database_url),
                kaowu::demo::DEMO_USERNAME,
                kaowu::demo::DEMO_PASSWORD,
                kaowu::demo::DEMO_CHSI_CODES.iter().map(|(code, what)| format!("{code} ({what})")).collect::<Vec<_>>().join(", "),
                kaowu::demo::DEMO_ADMIN_PASSWORD,
                kaowu::demo::DEMO_ADMINS.iter().map(|(username, name, _, _)| format!("{username} ({name})")).collect::<Vec<_>>().join(", "),
                port = address.port()
            );
            let mut stdout = std::io::stdout();
            let _ = stdout.write_all(banner.as_bytes()).and_then(|_| stdout.flush());
            app.run_until(shutdown_signal()).await
        }
        Command::Migrate(args) => {
            let config = Config::load(&args.sources(), Mode::Serve, &env)?;
            kaowu::telemetry::init(config.log_format, &config.log_filter);
            open_store(&config).await?;
            println!("migrations applied to {}", redact(&config.database_url));
            Ok(())
        }
        Command::Admin(AdminCommand::CreateNational { username, display_name, server }) => {
            let config = Config::load(&server.sources(), Mode::Serve, &env)?;
            kaowu::telemetry::init(config.log_format, &config.log_filter);
            let store = open_store(&config).await?;
            let password = kaowu::admin::create_national(&store, &username, &display_name).await?;
            println!("national admin {} created.\nfirst password (shown once): {password}\nlog in at /admin/login and add an authenticator app when asked.", username.trim().to_lowercase());
            Ok(())
        }
        Command::Import(ImportCommand::Plan { file, reason, server }) => {
            let config = Config::load(&server.sources(), Mode::Serve, &env)?;
            kaowu::telemetry::init(config.log_format, &config.log_filter);
            let store = open_store(&config).await?;
            match kaowu::plan::import_file(&store, &file, &reason).await? {
                Ok((revision, plan)) => {
                    println!(
                        "exam plan {} imported as revision {revision}: {} exams, {} specialties, {} 考区, {} 考点, {} windows, {} fee lines, {} eligibility lines",
                        plan.exam_year, plan.exams.len(), plan.specialties.len(), plan.provinces.len(), plan.sites.len(), plan.windows.len(), plan.fees.len(), plan.eligibility.len()
                    );
                    Ok(())
                }
                Err(problems) => {
                    for problem in &problems {
                        eprintln!("{problem}");
                    }
                    eprintln!("{} problem(s); nothing was imported", problems.len());
                    std::process::exit(1);
                }
            }
        }
        Command::Photo(args) => {
            let passed = kaowu::photo_tool::run(&args.input, args.output, args.spec.as_deref(), &mut std::io::stdout())?;
            if !passed {
                std::process::exit(1);
            }
            Ok(())
        }
        Command::Bench(BenchCommand::Photo { seconds, face }) => {
            let report = tokio::task::spawn_blocking(move || kaowu::bench::photo(kaowu::bench::PhotoBenchOptions { seconds, face })).await??;
            report.print();
            Ok(())
        }
        Command::Bench(BenchCommand::Apply { seconds, clients, submissions, postgres }) => {
            let report = kaowu::bench::apply(kaowu::bench::ApplyBenchOptions { seconds, clients, submissions, postgres }).await?;
            report.print();
            Ok(())
        }
        Command::Bench(BenchCommand::Login { seconds }) => {
            let report = kaowu::bench::login(kaowu::bench::LoginBenchOptions { seconds }).await?;
            report.print();
            Ok(())
        }
    }
}

/// A database URL without its password, for printing.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}
