//! A stand-in for chsi.com.cn that serves report pages in the same shape: a report, or the captcha, expired,
//! invalid and closed pages. The demo mounts it in-process; tests start it on a port of their own.

use axum::Router;
use axum::extract::{Query, State};
use axum::response::Html;
use axum::routing::get;
use domain::education::ChsiReport;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use crate::html_escape as escape;

#[derive(Debug, Clone)]
pub enum SimulatedReport {
    Report(ChsiReport),
    Expired,
    Closed,
    Captcha,
}

#[derive(Clone, Default)]
pub struct ChsiSimulator {
    reports: Arc<RwLock<HashMap<String, SimulatedReport>>>,
}

#[derive(Deserialize)]
struct LookupQuery {
    vcode: Option<String>,
}

impl ChsiSimulator {
    pub fn new() -> ChsiSimulator {
        ChsiSimulator::default()
    }

    /// Registers what the simulator answers for `code` (any other code is "invalid").
    pub fn add(&self, code: &str, report: SimulatedReport) {
        self.reports.write().expect("simulator lock").insert(code.to_string(), report);
    }

    /// A 学历证书电子注册备案表 with the usual fields.
    pub fn bachelor_report(name: &str, school: &str, major: &str, graduation_year: u16) -> ChsiReport {
        let fields = [
            ("更新日期", format!("{}年07月01日", graduation_year)),
            ("姓名", name.to_string()),
            ("性别", "女".to_string()),
            ("入学日期", format!("{}年09月01日", graduation_year - 4)),
            ("毕（结）业日期", format!("{}年06月20日", graduation_year)),
            ("学校名称", school.to_string()),
            ("专业", major.to_string()),
            ("学制", "4年".to_string()),
            ("层次", "本科".to_string()),
            ("学历类别", "普通高等教育".to_string()),
            ("学习形式", "普通全日制".to_string()),
            ("毕（结）业", "毕业".to_string()),
            ("证书编号", format!("1002 31{} 05 0032 12", graduation_year).replace(' ', "")),
        ];
        ChsiReport { fields: fields.into_iter().map(|(l, v)| (l.to_string(), v)).collect() }
    }

    pub fn router(&self) -> Router {
        Router::new().route("/xlcx/bg.do", get(lookup)).with_state(self.clone())
    }
}

async fn lookup(State(sim): State<ChsiSimulator>, Query(query): Query<LookupQuery>) -> Html<String> {
    let code = query.vcode.unwrap_or_default();
    let entry = sim.reports.read().expect("simulator lock").get(&code).cloned();
    Html(match entry {
        Some(SimulatedReport::Report(report)) => report_page(&code, &report),
        Some(SimulatedReport::Expired) => tips_page("在线验证报告已过期，请联系报告持有人延长有效期。"),
        Some(SimulatedReport::Closed) => tips_page("该在线验证报告已被持有人关闭。"),
        Some(SimulatedReport::Captcha) => captcha_page(),
        None => tips_page("此在线验证码无效，请核实后重新输入。"),
    })
}


fn report_page(code: &str, report: &ChsiReport) -> String {
    let items: String = report
        .fields
        .iter()
        .map(|(label, value)| {
            format!(
                "<div class=\"report-info-item\"><div class=\"label\">{}：</div><div class=\"value\">{}</div></div>\n",
                escape(label),
                escape(value)
            )
        })
        .collect();
    format!(
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>教育部学历证书电子注册备案表</title></head>\
         <body><div class=\"report-head\">教育部学历证书电子注册备案表</div><div class=\"report-info\">\n{items}</div>\
         <div class=\"yzm\">在线验证码：{}</div></body></html>",
        escape(code)
    )
}

fn tips_page(message: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>学信网</title></head>\
         <body><div class=\"yzbg-tips\">{}</div></body></html>",
        escape(message)
    )
}

fn captcha_page() -> String {
    "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>学信网</title></head><body>\
     <p>请输入验证码以继续当前操作</p><form method=\"post\" action=\"/xlcx/yzm.do\">\
     <input name=\"cap\"><input type=\"hidden\" name=\"capachatok\" value=\"t0k3n\"><button>提交</button></form></body></html>"
        .to_string()
}
