//! The registration photo through the API and the pages, on SQLite and PostgreSQL: upload (raw and
//! multipart), what a refused upload says, owner-only serving, replacement, and the lock after applying.

mod support;

use reqwest::header;
use serde_json::Value;
use support::{Backend, TestApp, photos, registration, spawn_app, unique_resident_id, unique_username};

on_both_databases!(
    uploads_a_photo_that_only_its_owner_can_see,
    refused_uploads_name_the_check_and_keep_the_previous_photo,
    a_replaced_photo_is_gone_and_a_locked_photo_stays,
    the_photo_page_uploads_and_explains_refusals,
    photos_can_be_kept_in_s3_compatible_storage,
);

async fn candidate(app: &TestApp) -> String {
    app.register(&registration(&unique_username(), "买买提·𪚥", &unique_resident_id())).await
}

async fn put_photo(app: &TestApp, token: &str, content_type: &str, body: Vec<u8>) -> (u16, Value) {
    let response = app
        .client
        .put(app.url("/api/v1/me/photo"))
        .bearer_auth(token)
        .header(header::CONTENT_TYPE, content_type)
        .body(body)
        .send()
        .await
        .expect("request");
    support::status_and_json(response).await
}

async fn get_photo(app: &TestApp, token: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(app.url("/api/v1/me/photo"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("request")
}

fn stored_objects(app: &TestApp) -> Vec<std::path::PathBuf> {
    fn walk(dir: &std::path::Path, found: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() { walk(&path, found) } else { found.push(path) }
        }
    }
    let mut found = Vec::new();
    walk(&app.data_dir.path().join("objects"), &mut found);
    found
}

async fn uploads_a_photo_that_only_its_owner_can_see(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = candidate(&app).await;
    let other = candidate(&app).await;

    let (status, error) = support::status_and_json(get_photo(&app, Some(&owner)).await).await;
    assert_eq!((status, error["code"].as_str()), (404, Some("photo.not_found")));
    let (_, me) = app.get_json("/api/v1/me", Some(&owner)).await;
    assert_eq!(me["checklist"][0], serde_json::json!({"step": "photo", "done": false}));

    let (status, info) = put_photo(&app, &owner, "image/jpeg", photos::portrait_jpeg(0)).await;
    assert_eq!(status, 200, "{info}");
    assert_eq!((info["width"].as_u64(), info["height"].as_u64(), info["locked"].as_bool()), (Some(295), Some(413), Some(false)));
    assert_eq!((info["source_width"].as_u64(), info["source_height"].as_u64()), (Some(1200), Some(1600)));

    let response = get_photo(&app, Some(&owner)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()[header::CONTENT_TYPE], "image/jpeg");
    assert!(response.headers()[header::CACHE_CONTROL].to_str().unwrap().contains("private"));
    let etag = response.headers()[header::ETAG].to_str().unwrap().to_owned();
    assert_eq!(etag, format!("\"{}\"", info["sha256"].as_str().unwrap()));
    let jpeg = response.bytes().await.unwrap();
    let decoded = image::load_from_memory_with_format(&jpeg, image::ImageFormat::Jpeg).expect("a JPEG");
    assert_eq!((decoded.width(), decoded.height()), (295, 413));
    assert!(!jpeg.windows(4).any(|w| w == b"Exif"), "metadata stripped");
    let again = app.client.get(app.url("/api/v1/me/photo")).bearer_auth(&owner).header(header::IF_NONE_MATCH, &etag).send().await.unwrap();
    assert_eq!(again.status(), 304);

    // Nobody else gets it: not another candidate (who has none), not an anonymous caller, not by a file path.
    let (status, error) = support::status_and_json(get_photo(&app, Some(&other)).await).await;
    assert_eq!((status, error["code"].as_str()), (404, Some("photo.not_found")));
    assert_eq!(get_photo(&app, None).await.status(), 401);
    let objects = stored_objects(&app);
    assert_eq!(objects.len(), 1);
    let key = objects[0].strip_prefix(app.data_dir.path().join("objects")).unwrap().display().to_string();
    assert!(key.starts_with("photos/") && key.ends_with(".jpg"), "{key}");
    for path in [format!("/{key}"), format!("/objects/{key}"), format!("/static/{key}")] {
        assert_eq!(app.client.get(app.url(&path)).send().await.unwrap().status(), 404, "{path}");
    }
    assert_eq!(std::fs::read(&objects[0]).unwrap(), jpeg.to_vec(), "the stored object is the served photo");

    let (_, me) = app.get_json("/api/v1/me", Some(&owner)).await;
    assert_eq!(me["checklist"][0], serde_json::json!({"step": "photo", "done": true}));
    let (status, info_again) = app.get_json("/api/v1/me/photo/info", Some(&owner)).await;
    assert_eq!((status, &info_again["sha256"]), (200, &info["sha256"]));
    app.shutdown().await;
}

async fn refused_uploads_name_the_check_and_keep_the_previous_photo(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = candidate(&app).await;
    // Multipart, with a PNG under a .jpg name and the wrong declared type: the content decides, and it passes.
    let form = reqwest::multipart::Form::new().part(
        "photo",
        reqwest::multipart::Part::bytes(photos::portrait_png()).file_name("photo.jpg").mime_str("image/jpeg").unwrap(),
    );
    let response = app.client.put(app.url("/api/v1/me/photo")).bearer_auth(&token).multipart(form).send().await.unwrap();
    let (status, first) = support::status_and_json(response).await;
    assert_eq!(status, 200, "{first}");

    let two_faces = put_photo(&app, &token, "image/jpeg", photos::two_faces_jpeg()).await;
    assert_eq!((two_faces.0, two_faces.1["code"].as_str(), two_faces.1["field"].as_str()), (400, Some("photo.several_faces"), Some("photo")));
    assert!(two_faces.1["message"].as_str().unwrap().contains("检测到多张人脸"), "{}", two_faces.1);

    let mut text = b"not a photo at all ".repeat(4000);
    text.truncate(60 * 1024);
    let (status, error) = put_photo(&app, &token, "image/jpeg", text).await;
    assert_eq!((status, error["code"].as_str()), (400, Some("photo.format")));

    let (status, error) = put_photo(&app, &token, "image/jpeg", Vec::new()).await;
    assert_eq!((status, error["code"].as_str()), (400, Some("photo.required")));

    let (status, error) = put_photo(&app, &token, "image/jpeg", vec![0xFF; 11 * 1024 * 1024]).await;
    assert_eq!((status, error["code"].as_str()), (413, Some("photo.upload_too_large")));

    let english = app
        .client
        .put(app.url("/api/v1/me/photo"))
        .bearer_auth(&token)
        .header(header::ACCEPT_LANGUAGE, "en")
        .body(photos::two_faces_jpeg())
        .send()
        .await
        .unwrap();
    let (_, error) = support::status_and_json(english).await;
    assert!(error["message"].as_str().unwrap().starts_with("Several faces"), "{error}");

    let (status, info) = app.get_json("/api/v1/me/photo/info", Some(&token)).await;
    assert_eq!((status, &info["sha256"]), (200, &first["sha256"]), "refusals never replace the saved photo");
    app.shutdown().await;
}

async fn a_replaced_photo_is_gone_and_a_locked_photo_stays(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = candidate(&app).await;
    let (_, first) = put_photo(&app, &token, "image/jpeg", photos::portrait_jpeg(0)).await;
    let (status, second) = put_photo(&app, &token, "image/jpeg", photos::portrait_jpeg(1)).await;
    assert_eq!(status, 200, "{second}");
    assert_ne!(first["sha256"], second["sha256"]);
    assert_eq!(stored_objects(&app).len(), 1, "the replaced photo's file is removed");

    // Submitting the first exam application locks the photo (the application flow calls this).
    let (_, me) = app.get_json("/api/v1/me", Some(&token)).await;
    assert!(app.store.lock_photo(me["account_id"].as_str().unwrap(), web::state::now()).await.unwrap());
    let (status, error) = put_photo(&app, &token, "image/jpeg", photos::portrait_jpeg(0)).await;
    assert_eq!((status, error["code"].as_str()), (409, Some("photo.locked")));
    assert!(error["message"].as_str().unwrap().contains("考点"), "says who can change it: {error}");
    let (_, info) = app.get_json("/api/v1/me/photo/info", Some(&token)).await;
    assert_eq!((&info["sha256"], info["locked"].as_bool()), (&second["sha256"], Some(true)));
    assert_eq!(stored_objects(&app).len(), 1);
    app.shutdown().await;
}

async fn the_photo_page_uploads_and_explains_refusals(backend: Backend) {
    let app = spawn_app(backend).await;
    let username = unique_username();
    app.register(&registration(&username, "买买提·𪚥", &unique_resident_id())).await;
    let login = app.client.post(app.url("/login")).form(&[("login", username.as_str()), ("password", support::PASSWORD), ("csrf_token", &csrf(&app, "/login").await)]).send().await.unwrap();
    assert_eq!(login.status(), 303);

    let page = app.client.get(app.url("/me/photo")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("420×600") && page.contains("295×413"), "the requirements come first");
    assert!(page.contains("尚未上传照片"));

    let token = csrf(&app, "/me/photo").await;
    let upload = |bytes: Vec<u8>, token: String| {
        let form = reqwest::multipart::Form::new()
            .text("csrf_token", token)
            .part("photo", reqwest::multipart::Part::bytes(bytes).file_name("我的照片.jpg").mime_str("image/jpeg").unwrap());
        app.client.post(app.url("/me/photo")).multipart(form).send()
    };
    let refused = upload(photos::two_faces_jpeg(), token.clone()).await.unwrap();
    assert_eq!(refused.status(), 422);
    let html = refused.text().await.unwrap();
    assert!(html.contains("检测到多张人脸，照片中只能有本人"), "the reason");
    assert!(html.contains("✔ 通过") && html.contains("✘ 未通过"), "and every check on the way");

    let forged = upload(photos::portrait_jpeg(0), "forged".into()).await.unwrap();
    assert_eq!(forged.status(), 403);
    assert!(app.client.get(app.url("/me/photo.jpg")).send().await.unwrap().status() == 404, "nothing saved without the token");

    let saved = upload(photos::portrait_jpeg(0), token).await.unwrap();
    assert_eq!(saved.status(), 303);
    assert_eq!(saved.headers()[header::LOCATION], "/me/photo?saved=1");
    let page = app.client.get(app.url("/me/photo?saved=1")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("照片审核通过") && page.contains("src=\"/me/photo.jpg?v="));
    let image = app.client.get(app.url("/me/photo.jpg")).send().await.unwrap();
    assert_eq!(image.headers()[header::CONTENT_TYPE], "image/jpeg");
    let me = app.client.get(app.url("/me")).send().await.unwrap().text().await.unwrap();
    assert!(me.contains("href=\"/me/photo\""), "the checklist links to the photo page");

    // Another browser, not logged in, gets nothing.
    let stranger = reqwest::Client::new();
    assert_eq!(stranger.get(app.url("/me/photo.jpg")).send().await.unwrap().status(), 404);
    app.shutdown().await;
}

async fn photos_can_be_kept_in_s3_compatible_storage(backend: Backend) {
    // The S3 protocol test server scripts/test.sh starts (moto); production points these at OSS/COS/MinIO/S3.
    let endpoint = std::env::var("KAOWU_TEST_S3_ENDPOINT")
        .unwrap_or_else(|_| panic!("KAOWU_TEST_S3_ENDPOINT is not set: scripts/test.sh starts an S3-compatible test server"));
    let bucket = format!("kaowu-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let created = reqwest::Client::new().put(format!("{endpoint}/{bucket}")).send().await.expect("S3 test server");
    assert!(created.status().is_success());
    let settings = [
        ("storage_url", format!("s3://{bucket}/kaowu")),
        ("s3_endpoint", endpoint.clone()),
        ("s3_region", "us-east-1".into()),
        ("s3_access_key_id", "kaowu-test".into()),
        ("s3_secret_access_key", "kaowu-test-secret".into()),
        ("s3_allow_http", "true".into()),
    ];
    let options = support::Options { settings: settings.into_iter().map(|(k, v)| (k.to_owned(), v)).collect() };
    let app = support::spawn_app_with(backend, options).await;
    let token = candidate(&app).await;
    let (status, info) = put_photo(&app, &token, "image/jpeg", photos::portrait_jpeg(0)).await;
    assert_eq!(status, 200, "{info}");
    let served = get_photo(&app, Some(&token)).await.bytes().await.unwrap();
    assert!(stored_objects(&app).is_empty(), "nothing on the local disk");

    // The object is in the bucket under the configured prefix, byte for byte what the owner is served, and
    // the bucket does not hand it to anyone without credentials.
    let (_, me) = app.get_json("/api/v1/me", Some(&token)).await;
    let key = format!("photos/{}/{}.jpg", me["account_id"].as_str().unwrap(), info["sha256"].as_str().unwrap());
    let s3 = store::objects::S3Options {
        endpoint: Some(endpoint.clone()),
        region: Some("us-east-1".into()),
        access_key_id: Some("kaowu-test".into()),
        secret_access_key: Some("kaowu-test-secret".into()),
        allow_http: true,
        virtual_hosted: false,
    };
    let bucket_view = store::objects::Objects::open(&format!("s3://{bucket}/kaowu"), &s3).unwrap();
    assert_eq!(bucket_view.get(&key).await.unwrap(), Some(served));
    let anonymous = reqwest::get(format!("{endpoint}/{bucket}/kaowu/{key}")).await.unwrap();
    assert_eq!(anonymous.status(), 403, "no public URL, even for someone who knows the key");
    app.shutdown().await;
}

/// The CSRF token a page hands out (its hidden field), which also sets the cookie in the client's jar.
async fn csrf(app: &TestApp, path: &str) -> String {
    let html = app.client.get(app.url(path)).send().await.unwrap().text().await.unwrap();
    support::hidden_value(&html, "csrf_token")
}
