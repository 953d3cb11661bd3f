//! The FaceID simulator on its own, at the root of `127.0.0.1:PORT` as Tencent's API is, for clients that take
//! only a host (the Tencent Cloud SDK's `HttpProfile.endpoint`): `faceid-simulator PORT SECRET_ID SECRET_KEY`.
//! Prints "listening" once ready. scripts/faceid-oracle.sh uses it.

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, port, secret_id, secret_key] = args.as_slice() else {
        eprintln!("usage: faceid-simulator PORT SECRET_ID SECRET_KEY");
        std::process::exit(2);
    };
    let simulator = kaowu_integrations::tencent_faceid::FaceIdSimulator::new(secret_id, secret_key, "");
    // A person the registry knows, so the oracle can see a mismatch.
    simulator.register_person("11010519900307101X", "张三");
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await.expect("port free");
    println!("listening");
    axum::serve(listener, simulator.router()).await.expect("serving");
}
