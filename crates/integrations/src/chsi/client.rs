use super::{ChsiError, ChsiOutcome, ChsiVerifier};
use domain::education::{ChsiCode, ChsiReport};
use scraper::{Html, Selector};
use std::time::Duration;

/// The production client: fetches the report page and reads it.
#[derive(Clone, Debug)]
pub struct ChsiClient {
    base_url: String,
    http: reqwest::Client,
}

/// Report pages are small; anything bigger is not one.
const MAX_PAGE_BYTES: usize = 512 * 1024;

impl ChsiClient {
    /// `base_url` is `https://www.chsi.com.cn` in production, the simulator's address in the demo and tests.
    pub fn new(base_url: &str) -> ChsiClient {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(3))
            .redirect(reqwest::redirect::Policy::limited(3))
            .build()
            .expect("HTTP client with static settings");
        ChsiClient { base_url: base_url.trim_end_matches('/').to_string(), http }
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }
}

impl ChsiVerifier for ChsiClient {
    async fn lookup(&self, code: &ChsiCode) -> Result<ChsiOutcome, ChsiError> {
        let unavailable = |e: &dyn std::fmt::Display| ChsiError::Unavailable(e.to_string());
        let response = self
            .http
            .get(format!("{}/xlcx/bg.do", self.base_url))
            .query(&[("vcode", code.as_str()), ("srcid", "bgcx")])
            .send()
            .await
            .map_err(|e| unavailable(&e))?;
        if !response.status().is_success() {
            return Err(ChsiError::Unavailable(format!("HTTP {}", response.status())));
        }
        if response.content_length().is_some_and(|len| len as usize > MAX_PAGE_BYTES) {
            return Err(ChsiError::Unavailable("page too large".into()));
        }
        let body = response.bytes().await.map_err(|e| unavailable(&e))?;
        if body.len() > MAX_PAGE_BYTES {
            return Err(ChsiError::Unavailable("page too large".into()));
        }
        read_page(&String::from_utf8_lossy(&body), code)
    }
}

fn selector(css: &str) -> Selector {
    Selector::parse(css).expect("static selector")
}

fn text_of(element: scraper::ElementRef<'_>) -> String {
    element.text().collect::<Vec<_>>().join("").split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Classifies a CHSI page and reads the report items from it.
pub(crate) fn read_page(html: &str, code: &ChsiCode) -> Result<ChsiOutcome, ChsiError> {
    let document = Html::parse_document(html);
    let items: Vec<(String, String)> = document
        .select(&selector(".report-info-item"))
        .filter_map(|item| {
            let label = item.select(&selector(".label")).next().map(text_of)?;
            let value = item.select(&selector(".value")).next().map(text_of).unwrap_or_default();
            Some((label.trim_end_matches(['：', ':']).trim().to_string(), value))
        })
        .collect();
    if !items.is_empty() {
        // The page must be the report this code names, not some other page that happens to look alike.
        let shown_code = document.select(&selector(".yzm")).next().map(text_of).unwrap_or_default();
        if !shown_code.replace(' ', "").contains(code.as_str()) {
            return Err(ChsiError::Unavailable("report page does not carry the requested code".into()));
        }
        return Ok(ChsiOutcome::Report(ChsiReport { fields: items }));
    }
    let text = text_of(document.root_element());
    if text.contains("请输入验证码以继续当前操作") {
        Ok(ChsiOutcome::Captcha)
    } else if text.contains("在线验证报告已过期") {
        Ok(ChsiOutcome::Expired)
    } else if text.contains("此在线验证码无效") {
        Ok(ChsiOutcome::Invalid)
    } else if document.select(&selector(".yzbg-tips")).next().is_some() {
        Ok(ChsiOutcome::Closed)
    } else {
        Err(ChsiError::Unavailable("unrecognised page".into()))
    }
}
