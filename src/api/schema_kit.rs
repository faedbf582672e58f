//! The building blocks of the OpenAPI document's schemas (`schemas.rs`, the
//! indicators' `schema.rs`): closed objects, nullable values, the common scalars.

use serde_json::{json, Value};

/// A closed object whose properties are all required.
pub fn object(properties: Value) -> Value {
    let required: Vec<String> = properties
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": required,
        "properties": properties,
    })
}

pub fn nullable(mut schema: Value) -> Value {
    schema["nullable"] = json!(true);
    if let Some(values) = schema.get_mut("enum").and_then(Value::as_array_mut) {
        values.push(Value::Null);
    }
    schema
}

pub fn reference(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

pub fn nullable_ref(name: &str) -> Value {
    json!({"nullable": true, "allOf": [reference(name)]})
}

pub fn string() -> Value {
    json!({"type": "string"})
}

pub fn time() -> Value {
    json!({"type": "string", "format": "date-time"})
}

pub fn count() -> Value {
    json!({"type": "integer", "minimum": 0})
}

pub fn seconds() -> Value {
    json!({"type": "number", "minimum": 0})
}

pub fn ratio() -> Value {
    json!({"type": "number", "minimum": 0, "maximum": 1})
}

pub fn boolean() -> Value {
    json!({"type": "boolean"})
}

pub fn one_of(values: &[&str]) -> Value {
    json!({"type": "string", "enum": values})
}

/// A rank within a league (1 is the best; ties share a rank).
pub fn rank() -> Value {
    json!({"type": "integer", "minimum": 1})
}

pub fn array(items: Value) -> Value {
    json!({"type": "array", "items": items})
}
