//! The OpenAPI document describes exactly the routes the server has, its references
//! resolve, and real answers of the running daemon validate against its schemas (a
//! small validator for the OpenAPI 3.0 subset the document uses; Schemathesis does the
//! fuzzing in `tests/schemathesis.sh`).

mod support;

use serde_json::Value;
use support::fixture::{self, HB};

/// Validates `v` against `schema` (resolving `$ref` in `doc`); errors name the JSON path.
fn validate(doc: &Value, schema: &Value, v: &Value, path: &str, errors: &mut Vec<String>) {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.strip_prefix("#/components/schemas/").expect("local ref");
        let target = &doc["components"]["schemas"][name];
        assert!(!target.is_null(), "dangling {r}");
        return validate(doc, target, v, path, errors);
    }
    if v.is_null() && schema["nullable"] == true {
        return;
    }
    for sub in schema["allOf"].as_array().into_iter().flatten() {
        validate(doc, sub, v, path, errors);
    }
    if let Some(any) = schema["anyOf"].as_array() {
        let fits = any.iter().any(|s| {
            let mut e = Vec::new();
            validate(doc, s, v, path, &mut e);
            e.is_empty()
        });
        if !fits {
            errors.push(format!("{path}: {v} fits no anyOf branch"));
        }
    }
    if let Some(values) = schema["enum"].as_array() {
        if !values.contains(v) {
            errors.push(format!("{path}: {v} not in {values:?}"));
        }
    }
    let ok = match schema["type"].as_str() {
        None => true,
        Some("object") => v.is_object(),
        Some("array") => v.is_array(),
        Some("string") => v.is_string(),
        Some("integer") => v.is_i64() || v.is_u64(),
        Some("number") => v.is_number(),
        Some("boolean") => v.is_boolean(),
        Some(t) => panic!("type {t} not handled"),
    };
    if !ok {
        errors.push(format!("{path}: {v} is not {}", schema["type"]));
        return;
    }
    if let Some(n) = v.as_f64() {
        if schema["minimum"].as_f64().is_some_and(|m| n < m)
            || schema["maximum"].as_f64().is_some_and(|m| n > m)
        {
            errors.push(format!("{path}: {n} out of range"));
        }
    }
    if let Some(s) = v.as_str() {
        if let Some(p) = schema["pattern"].as_str() {
            if !regex::Regex::new(p).unwrap().is_match(s) {
                errors.push(format!("{path}: {s:?} does not match {p}"));
            }
        }
        if schema["format"] == "date-time" && chrono::DateTime::parse_from_rfc3339(s).is_err() {
            errors.push(format!("{path}: {s:?} is not a date-time"));
        }
    }
    if let Some(items) = v.as_array() {
        for (i, item) in items.iter().enumerate() {
            validate(doc, &schema["items"], item, &format!("{path}[{i}]"), errors);
        }
    }
    if let Some(obj) = v.as_object() {
        for r in schema["required"].as_array().into_iter().flatten() {
            if !obj.contains_key(r.as_str().unwrap()) {
                errors.push(format!("{path}: missing {r}"));
            }
        }
        for (k, item) in obj {
            let sub = &schema["properties"][k];
            let p = format!("{path}.{k}");
            if !sub.is_null() {
                validate(doc, sub, item, &p, errors);
            } else if schema["additionalProperties"] == false {
                errors.push(format!("{p}: not in the schema"));
            } else if schema["additionalProperties"].is_object() {
                validate(doc, &schema["additionalProperties"], item, &p, errors);
            }
        }
    }
}

/// Fetches `path` and validates the answer against `template`'s documented response.
async fn conforms(d: &support::Running, doc: &Value, template: &str, path: &str) -> u16 {
    let r = d.fetch(path).await;
    let op = &doc["paths"][template]["get"];
    let documented = &op["responses"][r.status.to_string()];
    assert!(
        documented.is_object(),
        "GET {path}: status {} is not documented",
        r.status
    );
    let schema = &documented["content"]["application/json"]["schema"];
    assert!(
        schema.is_object(),
        "GET {path}: no JSON schema for {}",
        r.status
    );
    let mut errors = Vec::new();
    validate(doc, schema, &r.json(), "$", &mut errors);
    assert!(errors.is_empty(), "GET {path}:\n{}", errors.join("\n"));
    r.status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn document_lists_every_route_and_answers_conform() {
    let f = fixture::start().await;
    let d = &f.daemon;
    let doc = d.json("/api/v1/openapi.json").await;
    assert_eq!(doc["openapi"], "3.0.3");
    let mut paths: Vec<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "/",
            "/-/reload",
            "/agencies/{agency}",
            "/api/v1/agencies",
            "/api/v1/agencies/{agency}",
            "/api/v1/alerts",
            "/api/v1/checks/{agency}/{system}/{check}",
            "/api/v1/checks/{agency}/{system}/{check}/results",
            "/api/v1/indicators/{agency}",
            "/api/v1/maintenance",
            "/api/v1/maintenance/{id}",
            "/api/v1/notifications",
            "/api/v1/openapi.json",
            "/api/v1/push/{agency}/{system}/{check}",
            "/api/v1/reports/compliance",
            "/api/v1/reports/scorecard",
            "/api/v1/reports/sla",
            "/api/v1/status",
            "/badge/{agency}.svg",
            "/badge/{agency}/{system}.svg",
            "/healthz",
            "/metrics",
            "/readyz",
        ]
    );
    let push = &doc["paths"]["/api/v1/push/{agency}/{system}/{check}"]["post"]["responses"];
    for code in ["202", "400", "401", "404", "413", "429"] {
        assert!(push[code].is_object(), "push documents {code}");
    }
    assert_eq!(push["429"]["headers"]["Retry-After"]["required"], true);
    assert_eq!(
        doc["components"]["schemas"]["PushBody"]["properties"]["duration_seconds"]["maximum"],
        emcd::api::push::body::MAX_DURATION_SECONDS
    );
    let reload = &doc["paths"]["/-/reload"]["post"]["responses"];
    for code in ["200", "400", "401", "403"] {
        assert!(reload[code].is_object(), "reload documents {code}");
    }
    // Examples point at real ids, so "try it" and fuzzers reach real checks.
    let params = &doc["paths"]["/api/v1/checks/{agency}/{system}/{check}"]["get"]["parameters"];
    let example: Vec<&str> = params
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["example"].as_str().unwrap())
        .collect();
    assert_eq!(example, ["bo-tu-phap", "ho-tich", "good"]);

    d.wait_json(
        "/api/v1/checks/bo-tu-phap/ho-tich/bad",
        "bad went down",
        |v| v["state"]["status"] == "down",
    )
    .await;
    let checks = "/api/v1/checks/{agency}/{system}/{check}";
    let results = "/api/v1/checks/{agency}/{system}/{check}/results";
    let compliance = "/api/v1/reports/compliance";
    let scorecard = "/api/v1/reports/scorecard";
    let cases = [
        ("/api/v1/status", "/api/v1/status", 200),
        ("/api/v1/agencies", "/api/v1/agencies", 200),
        (
            "/api/v1/agencies/{agency}",
            "/api/v1/agencies/bo-tu-phap",
            200,
        ),
        (
            "/api/v1/agencies/{agency}",
            "/api/v1/agencies/khong-co",
            404,
        ),
        (checks, "/api/v1/checks/bo-tu-phap/ho-tich/good", 200),
        (checks, "/api/v1/checks/bo-tu-phap/ho-tich/bad", 200),
        (checks, "/api/v1/checks/ha-noi/cong-dvc/port", 200),
        (checks, &format!("/api/v1/checks/{HB}"), 200),
        (checks, "/api/v1/checks/bo-tu-phap/ho-tich/khong-co", 404),
        (
            results,
            "/api/v1/checks/bo-tu-phap/ho-tich/bad/results",
            200,
        ),
        (
            results,
            &format!("/api/v1/checks/{HB}/results?limit=10000&from=2000-01-01"),
            200,
        ),
        (
            results,
            &format!("/api/v1/checks/{HB}/results?limit=0"),
            400,
        ),
        (compliance, "/api/v1/reports/compliance", 200),
        (
            compliance,
            "/api/v1/reports/compliance?from=2000-01-01",
            200,
        ),
        (compliance, "/api/v1/reports/compliance?month=2026-13", 400),
        (scorecard, "/api/v1/reports/scorecard", 200),
        (scorecard, "/api/v1/reports/scorecard?month=2026-13", 400),
        ("/api/v1/maintenance", "/api/v1/maintenance", 200),
    ];
    for (template, path, status) in cases {
        assert_eq!(conforms(d, &doc, template, path).await, status, "{path}");
    }
    push_answers_conform(d, &doc).await;
    indicator_answers_conform(d, &doc).await;
    f.daemon.stop().await;
}

/// Real answers of the indicators route (stored, each refusal, what is stored, the
/// scorecard with its indicators part) validate against the documented responses.
async fn indicator_answers_conform(d: &support::Running, doc: &Value) {
    let route = &doc["paths"]["/api/v1/indicators/{agency}"];
    let content = &route["post"]["requestBody"]["content"]["application/json"];
    let example = &content["example"];
    assert_eq!(
        example["systems"][0]["system"], "ho-tich",
        "a procedure system"
    );
    let mut errors = Vec::new();
    let body_schema = &content["schema"];
    validate(doc, body_schema, example, "$example", &mut errors);
    assert!(errors.is_empty(), "{errors:?}");
    let auth = format!("Bearer {}", fixture::INDICATORS_TOKEN);
    let body = example.to_string();
    let month = example["month"].as_str().unwrap();
    let read = format!("/api/v1/indicators/bo-tu-phap?month={month}");
    let future = r#"{"month": "9999-12", "systems": [{"system": "ho-tich", "received": 1, "resolved_on_time": 0, "resolved_late": 0, "submitted_online": 0, "paid_online": 0, "satisfaction": 0}]}"#;
    let post = "/api/v1/indicators/bo-tu-phap";
    let cases: [(&str, &str, Option<&str>, &str, u16); 6] = [
        ("POST", post, Some(&auth), &body, 201),
        ("POST", post, Some(&auth), future, 400),
        ("POST", post, None, &body, 401),
        ("POST", "/api/v1/indicators/ha-noi", Some(&auth), &body, 403),
        (
            "POST",
            "/api/v1/indicators/khong-co",
            Some(&auth),
            &body,
            404,
        ),
        ("GET", &read, None, "", 200),
    ];
    for (method, path, auth, body, want) in cases {
        let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("authorization", *a)).collect();
        let r = d
            .send(method, path, &headers, body.as_bytes())
            .await
            .unwrap();
        assert_eq!(r.status, want, "{method} {path}: {}", r.body);
        let op = &route[method.to_ascii_lowercase()];
        let schema =
            &op["responses"][r.status.to_string()]["content"]["application/json"]["schema"];
        assert!(
            schema.is_object(),
            "{method} {path}: {} undocumented",
            r.status
        );
        let mut errors = Vec::new();
        validate(doc, schema, &r.json(), "$", &mut errors);
        assert!(errors.is_empty(), "{method} {path}:\n{}", errors.join("\n"));
    }
    let stored = d.json(&read).await;
    assert_eq!(
        stored["months"][0]["systems"][0]["current"]["received"],
        1200
    );
    let scorecard = "/api/v1/reports/scorecard";
    let path = format!("{scorecard}?month={month}");
    assert_eq!(conforms(d, doc, scorecard, &path).await, 200);
    let v = d.json(&path).await;
    let row = &v["agencies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["agency"] == "bo-tu-phap")
        .unwrap();
    assert!(row["indicators"]["points"].as_f64().unwrap() > 0.0, "{row}");
}

/// Real push answers (accepted, refused duration, rate-limited) validate against the
/// documented responses, the 429 with its `Retry-After` header.
async fn push_answers_conform(d: &support::Running, doc: &Value) {
    let responses = &doc["paths"]["/api/v1/push/{agency}/{system}/{check}"]["post"]["responses"];
    let auth = format!("Bearer {}", fixture::PUSH_TOKEN);
    let path = format!("/api/v1/push/{HB}");
    let post = |body: &'static [u8]| {
        let (auth, path) = (auth.clone(), path.clone());
        async move {
            d.send("POST", &path, &[("authorization", &auth)], body)
                .await
                .unwrap()
        }
    };
    let mut seen = Vec::new();
    let bad = post(br#"{"duration_seconds": 1e300}"#).await;
    // A bounded burst: the documented limit answers 429 within it.
    let mut answers = vec![bad];
    for _ in 0..20 {
        let r = post(b"").await;
        let last = r.status == 429;
        answers.push(r);
        if last {
            break;
        }
    }
    for r in &answers {
        let documented = &responses[r.status.to_string()];
        assert!(
            documented.is_object(),
            "push answered undocumented {}",
            r.status
        );
        let schema = &documented["content"]["application/json"]["schema"];
        let mut errors = Vec::new();
        validate(doc, schema, &r.json(), "$", &mut errors);
        assert!(
            errors.is_empty(),
            "push {}:\n{}",
            r.status,
            errors.join("\n")
        );
        for (name, h) in documented["headers"].as_object().into_iter().flatten() {
            let v = r.header(&name.to_ascii_lowercase());
            let v = v.unwrap_or_else(|| panic!("push {} without {name}", r.status));
            assert!(v.parse::<u64>().is_ok_and(|n| n >= 1), "{name}: {v} vs {h}");
        }
        seen.push(r.status);
    }
    assert_eq!(seen[0], 400, "1e300 is refused");
    assert!(seen.contains(&202) && seen.ends_with(&[429]), "{seen:?}");
}

#[test]
fn the_validator_catches_drift() {
    let doc = serde_json::json!({"components": {"schemas": {"W": {
        "type": "object", "additionalProperties": false, "required": ["a", "t"],
        "properties": {
            "a": {"type": "integer", "minimum": 0, "nullable": true},
            "t": {"type": "string", "format": "date-time"},
            "k": {"type": "string", "enum": ["x", null], "nullable": true},
        },
    }}}});
    let schema = serde_json::json!({"$ref": "#/components/schemas/W"});
    let check = |v: Value| {
        let mut e = Vec::new();
        validate(&doc, &schema, &v, "$", &mut e);
        e
    };
    assert!(
        check(serde_json::json!({"a": null, "t": "2026-11-01T00:00:00Z", "k": "x"})).is_empty()
    );
    for bad in [
        serde_json::json!({"a": 1}),
        serde_json::json!({"a": -1, "t": "2026-11-01T00:00:00Z"}),
        serde_json::json!({"a": 1, "t": "yesterday"}),
        serde_json::json!({"a": 1, "t": "2026-11-01T00:00:00Z", "extra": 1}),
        serde_json::json!({"a": 1, "t": "2026-11-01T00:00:00Z", "k": "y"}),
        serde_json::json!({"a": 1.5, "t": "2026-11-01T00:00:00Z"}),
    ] {
        assert!(!check(bad.clone()).is_empty(), "{bad} passed");
    }
}
