//! Bad input gets the right 4xx Status, never a 500 or a panic.

use http::Method;
use hub::testing::TestHub;

async fn expect(
    hub: &TestHub,
    method: Method,
    uri: &str,
    headers: &[(&str, &str)],
    body: &str,
    code: u16,
    reason: &str,
) -> String {
    let response = hub
        .request(method.clone(), uri, headers, body.to_owned())
        .await;
    let status = response.json();
    assert_eq!(response.status.as_u16(), code, "{method} {uri}: {status}");
    assert_eq!(status["kind"], "Status", "{method} {uri}: {status}");
    assert_eq!(status["reason"], reason, "{method} {uri}: {status}");
    assert_eq!(status["code"], code);
    status["message"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn malformed_requests_get_clear_statuses() {
    let hub = TestHub::memory().await;
    let cms = "/api/v1/namespaces/default/configmaps";
    expect(&hub, Method::POST, cms, &[], "{not json", 400, "BadRequest").await;
    expect(&hub, Method::POST, cms, &[], "[1,2]", 400, "BadRequest").await;
    expect(
        &hub,
        Method::POST,
        cms,
        &[("content-type", "application/yaml")],
        "a: [unclosed",
        400,
        "BadRequest",
    )
    .await;
    let message = expect(
        &hub,
        Method::POST,
        cms,
        &[],
        r#"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"x"}}"#,
        400,
        "BadRequest",
    )
    .await;
    assert!(message.contains("Secret"), "{message}");
    let message = expect(
        &hub,
        Method::POST,
        cms,
        &[],
        r#"{"apiVersion":"apps/v1","kind":"ConfigMap","metadata":{"name":"x"}}"#,
        400,
        "BadRequest",
    )
    .await;
    assert_eq!(
        message,
        "the API version in the data (apps/v1) does not match the expected API version (v1)"
    );
    let message = expect(
        &hub,
        Method::POST,
        cms,
        &[],
        r#"{"metadata":{}}"#,
        422,
        "Invalid",
    )
    .await;
    assert_eq!(
        message,
        "ConfigMap \"\" is invalid: metadata.name: Required value: name or generateName is required"
    );
    let message = expect(
        &hub,
        Method::POST,
        cms,
        &[],
        r#"{"metadata":{"name":"Bad_Name"}}"#,
        422,
        "Invalid",
    )
    .await;
    assert!(
        message.contains("a lowercase RFC 1123 subdomain"),
        "{message}"
    );
    expect(
        &hub,
        Method::POST,
        cms,
        &[],
        r#"{"metadata":{"name":"x","namespace":"other"}}"#,
        400,
        "BadRequest",
    )
    .await;
    expect(
        &hub,
        Method::POST,
        cms,
        &[],
        r#"{"metadata":{"name":"x"},"data":{"a":1}}"#,
        400,
        "BadRequest",
    )
    .await;
    expect(
        &hub,
        Method::POST,
        cms,
        &[("content-type", "text/plain")],
        "{}",
        415,
        "UnsupportedMediaType",
    )
    .await;
    let huge = format!(
        r#"{{"metadata":{{"name":"big"}},"data":{{"a":"{}"}}}}"#,
        "x".repeat(4 * 1024 * 1024)
    );
    expect(
        &hub,
        Method::POST,
        cms,
        &[],
        &huge,
        413,
        "RequestEntityTooLarge",
    )
    .await;

    // Strict field validation refuses unknown fields; Warn answers with a Warning header.
    let unknown = r#"{"metadata":{"name":"u"},"bogus":1}"#;
    let message = expect(
        &hub,
        Method::POST,
        &format!("{cms}?fieldValidation=Strict"),
        &[],
        unknown,
        400,
        "BadRequest",
    )
    .await;
    assert_eq!(
        message,
        "ConfigMap in version \"v1\" cannot be handled as a ConfigMap: strict decoding error: unknown field \"bogus\""
    );
    let warned = hub
        .request(
            Method::POST,
            &format!("{cms}?fieldValidation=Warn"),
            &[],
            unknown,
        )
        .await;
    assert_eq!(warned.status, 201);
    assert_eq!(
        warned.headers["warning"],
        "299 - \"unknown field \\\"bogus\\\"\""
    );
    assert!(warned.json().get("bogus").is_none());

    // Selectors, resource versions, continue tokens, paths, methods.
    expect(
        &hub,
        Method::GET,
        &format!("{cms}?labelSelector=a%3D%28b"),
        &[],
        "",
        400,
        "BadRequest",
    )
    .await;
    expect(
        &hub,
        Method::GET,
        &format!("{cms}?fieldSelector=spec.x%3D1"),
        &[],
        "",
        400,
        "BadRequest",
    )
    .await;
    expect(
        &hub,
        Method::GET,
        &format!("{cms}?resourceVersion=abc"),
        &[],
        "",
        400,
        "BadRequest",
    )
    .await;
    expect(
        &hub,
        Method::GET,
        &format!("{cms}?continue=garbage"),
        &[],
        "",
        400,
        "BadRequest",
    )
    .await;
    expect(
        &hub,
        Method::GET,
        &format!("{cms}?resourceVersionMatch=Exact"),
        &[],
        "",
        400,
        "BadRequest",
    )
    .await;
    expect(
        &hub,
        Method::GET,
        &format!("{cms}?resourceVersion=999999"),
        &[],
        "",
        504,
        "Timeout",
    )
    .await;
    expect(
        &hub,
        Method::GET,
        "/api/v1/namespaces/default/nothings",
        &[],
        "",
        404,
        "NotFound",
    )
    .await;
    expect(
        &hub,
        Method::GET,
        "/api/v1/namespaces/default/nodes/x",
        &[],
        "",
        404,
        "NotFound",
    )
    .await;
    expect(&hub, Method::GET, "/no/such/path", &[], "", 404, "NotFound").await;
    expect(
        &hub,
        Method::POST,
        &format!("{cms}/x"),
        &[],
        "{}",
        405,
        "MethodNotAllowed",
    )
    .await;
    expect(
        &hub,
        Method::PATCH,
        &format!("{cms}/x"),
        &[("content-type", "application/json")],
        "{}",
        415,
        "UnsupportedMediaType",
    )
    .await;
    expect(
        &hub,
        Method::GET,
        cms,
        &[("accept", "text/html")],
        "",
        406,
        "NotAcceptable",
    )
    .await;
}

#[tokio::test]
async fn anonymous_requests_reach_only_health_and_version() {
    let hub = TestHub::memory().await;
    let anonymous = hub.router_as(None);
    for (path, code) in [
        ("/healthz", 200),
        ("/readyz", 200),
        ("/livez", 200),
        ("/api/v1/namespaces", 401),
        ("/version", 200),
    ] {
        let request = http::Request::builder()
            .uri(path)
            .body(axum::body::Body::empty())
            .unwrap();
        let response = tower::ServiceExt::oneshot(anonymous.clone(), request)
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), code, "{path}");
    }
}
