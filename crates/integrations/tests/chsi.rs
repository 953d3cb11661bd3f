//! The CHSI client against the simulator, for every outcome, over real HTTP.

use domain::education::ChsiCode;
use kaowu_integrations::chsi::{ChsiClient, ChsiError, ChsiOutcome, ChsiSimulator, ChsiVerifier, SimulatedReport};

async fn serve(sim: &ChsiSimulator) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = sim.router();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}")
}

fn code(raw: &str) -> ChsiCode {
    ChsiCode::parse("code", raw).unwrap()
}

#[tokio::test]
async fn every_outcome() {
    let sim = ChsiSimulator::new();
    let report = ChsiSimulator::bachelor_report("买买提·艾力", "新疆医科大学", "护理学", 2018);
    sim.add("ASLMN1RQZPRMHX05", SimulatedReport::Report(report.clone()));
    sim.add("APEVUKH9C8SSGS5D", SimulatedReport::Expired);
    sim.add("AYQXUHUQG7ZYWXKW", SimulatedReport::Closed);
    sim.add("361813514380", SimulatedReport::Captcha);
    let client = ChsiClient::new(&serve(&sim).await);

    match client.lookup(&code("aslmn1rqzprmhx05")).await.unwrap() {
        ChsiOutcome::Report(found) => {
            assert_eq!(found, report, "every item read back exactly");
            let record = found.to_record().unwrap();
            assert_eq!(record.school, "新疆医科大学");
            assert_eq!(record.diploma_number.as_deref(), Some("100231201805003212"));
        }
        other => panic!("expected a report, got {other:?}"),
    }
    assert_eq!(client.lookup(&code("APEVUKH9C8SSGS5D")).await.unwrap(), ChsiOutcome::Expired);
    assert_eq!(client.lookup(&code("AYQXUHUQG7ZYWXKW")).await.unwrap(), ChsiOutcome::Closed);
    assert_eq!(client.lookup(&code("361813514380")).await.unwrap(), ChsiOutcome::Captcha);
    assert_eq!(client.lookup(&code("ZZZZZZZZZZZZZZZZ")).await.unwrap(), ChsiOutcome::Invalid);
}

#[tokio::test]
async fn an_unreachable_or_odd_service_is_an_error_not_a_verdict() {
    let client = ChsiClient::new("http://127.0.0.1:9");
    assert!(matches!(client.lookup(&code("ASLMN1RQZPRMHX05")).await, Err(ChsiError::Unavailable(_))));

    // A server that answers something else entirely.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = axum::Router::new().route("/xlcx/bg.do", axum::routing::get(|| async { axum::response::Html("<p>维护中</p>") }));
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let client = ChsiClient::new(&format!("http://{addr}/"));
    assert!(matches!(client.lookup(&code("ASLMN1RQZPRMHX05")).await, Err(ChsiError::Unavailable(_))));
}
