use crate::error::{ApiError, ErrorBody};
use crate::sessions::Client;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use domain::rare_chars::PinyinQuery;
use serde::{Deserialize, Serialize};

#[derive(Serialize, utoipa::ToSchema)]
pub struct IdTypeItem {
    /// Stable code, e.g. `resident_id`.
    pub code: String,
    /// Display name in the request's language.
    pub name: String,
}

/// Identity document types accepted at registration.
#[utoipa::path(get, path = "/api/v1/id-types", tag = "reference",
    responses((status = 200, description = "ID types in display order", body = [IdTypeItem])))]
pub async fn id_types(State(state): State<AppState>, client: Client) -> Json<Vec<IdTypeItem>> {
    Json(
        state
            .id_types
            .iter()
            .map(|t| IdTypeItem { code: t.code.clone(), name: client.lang.pick(&t.name_zh, &t.name_en).to_string() })
            .collect(),
    )
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct RareCharQuery {
    /// Pinyin without tones (tone digits are ignored; "ü" may be typed as "v"), 1–12 letters.
    pub pinyin: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RareCharItem {
    /// One character (may be outside the Basic Multilingual Plane).
    pub char: String,
    /// Its readings with tone marks, separated by commas.
    pub pinyin: String,
}

/// Rare characters (outside GB 2312) with this reading, for names that cannot be typed.
#[utoipa::path(get, path = "/api/v1/rare-chars", tag = "reference", params(RareCharQuery),
    responses(
        (status = 200, description = "Matching characters (at most 600)", body = [RareCharItem]),
        (status = 400, description = "Missing or malformed pinyin", body = ErrorBody)))]
pub async fn rare_chars(Query(query): Query<RareCharQuery>, client: Client) -> Result<Json<Vec<RareCharItem>>, ApiError> {
    let query = PinyinQuery::parse("pinyin", query.pinyin.as_deref().unwrap_or_default())
        .map_err(|e| ApiError::field(StatusCode::BAD_REQUEST, e).in_lang(client.lang))?;
    Ok(Json(
        domain::rare_chars::search(&query)
            .into_iter()
            .map(|rc| RareCharItem { char: rc.ch.to_string(), pinyin: rc.pinyin.join(",") })
            .collect(),
    ))
}
