//! The OpenAPI 3.1 document of an app, built from the routes it declared.
//!
//! The document is shaped as FastAPI writes it (operation ids, titles, the
//! 422 schema), so tools and people used to FastAPI's `/openapi.json` find
//! the same thing. Body and response schemas come from the guest as JSON
//! Schema text; named models in their `$defs` are lifted into
//! `components/schemas`.

use serde_json::{Map, Value, json};

use crate::constraints::{Choices, Constraints, Number};
use crate::spec::{ApiInfo, ParamKind, ParamSource, ParamSpec, RouteSpec};
use crate::value::{List, Value as ParamValue};

/// A schema a guest declared that is not a JSON Schema object.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("route {route}: the {what} schema is not a JSON object: {reason}")]
pub struct SchemaError {
    /// The route's method and path.
    pub route: String,
    /// Which schema: `body` or `response`.
    pub what: &'static str,
    /// Why it is not one.
    pub reason: String,
}

/// Where the guest's schemas keep named models, and where OpenAPI keeps them.
const GUEST_REFS: &str = "#/$defs/";
const OPENAPI_REFS: &str = "#/components/schemas/";

/// Builds the document; `title` is used when the guest gave none.
pub fn document(title: &str, info: &ApiInfo, routes: &[RouteSpec]) -> Result<Value, SchemaError> {
    let mut schemas = Map::new();
    let mut security_schemes = Map::new();
    let mut paths = Map::new();
    let mut validates = false;
    for route in routes.iter().filter(|r| r.docs.include_in_schema) {
        let mut operation = operation(route, &mut schemas)?;
        if let Some(security) = &route.docs.security {
            let (schemes, requirements) = security_of(route, security)?;
            security_schemes.extend(schemes);
            operation["security"] = requirements;
        }
        validates |= operation["responses"].get("422").is_some();
        let item = paths.entry(openapi_path(&route.path)).or_insert_with(|| json!({}));
        item[route.method.as_str().to_ascii_lowercase()] = operation;
    }
    if validates {
        schemas.extend(validation_schemas());
    }
    let mut info_object = json!({
        "title": info.title.as_deref().unwrap_or(title),
        "version": info.version.as_deref().unwrap_or("0.1.0"),
    });
    if let Some(description) = &info.description {
        info_object["description"] = json!(description);
    }
    let mut document = json!({ "openapi": "3.1.0", "info": info_object, "paths": paths });
    if !schemas.is_empty() {
        // FastAPI sorts the component schemas by name.
        schemas.sort_keys();
        document["components"] = json!({ "schemas": schemas });
    }
    if !security_schemes.is_empty() {
        document["components"]["securitySchemes"] = Value::Object(security_schemes);
    }
    Ok(document)
}

/// A route's security (JSON text from the guest): its schemes by name, and
/// the operation's requirements.
fn security_of(route: &RouteSpec, text: &str) -> Result<(Map<String, Value>, Value), SchemaError> {
    let error = |reason: String| SchemaError {
        route: format!("{} {}", route.method, route.path),
        what: "security",
        reason,
    };
    let mut security: Value = serde_json::from_str(text).map_err(|err| error(err.to_string()))?;
    let Some(Value::Object(schemes)) = security.get_mut("schemes").map(Value::take) else {
        return Err(error("`schemes` is not an object".into()));
    };
    let requirements = match security.get_mut("requirements").map(Value::take) {
        Some(list @ Value::Array(_)) => list,
        _ => return Err(error("`requirements` is not a list".into())),
    };
    Ok((schemes, requirements))
}

/// The document as served under a mount prefix: `servers` tells clients
/// (and `/docs`) where the paths are rooted.
pub fn mounted(document: &Value, prefix: Option<&str>) -> Value {
    let mut document = document.clone();
    if let (Some(prefix), Some(object)) = (prefix, document.as_object_mut()) {
        let mut with_servers = Map::new();
        for (key, value) in std::mem::take(object) {
            with_servers.insert(key.clone(), value);
            if key == "info" {
                with_servers.insert("servers".into(), json!([{ "url": prefix }]));
            }
        }
        *object = with_servers;
    }
    document
}

fn operation(route: &RouteSpec, schemas: &mut Map<String, Value>) -> Result<Value, SchemaError> {
    let docs = &route.docs;
    let mut operation = Map::new();
    if !docs.tags.is_empty() {
        operation.insert("tags".into(), json!(docs.tags));
    }
    let summary = docs.summary.clone().unwrap_or_else(|| fasterapi_lax::title(&route.name));
    operation.insert("summary".into(), json!(summary));
    if let Some(description) = &docs.description {
        operation.insert("description".into(), json!(description));
    }
    operation.insert("operationId".into(), json!(operation_id(route)));
    if docs.deprecated {
        operation.insert("deprecated".into(), json!(true));
    }
    // FastAPI lists path, then query, then header parameters.
    let mut params: Vec<&ParamSpec> = route.params.iter().filter(|p| p.source != ParamSource::Form).collect();
    params.sort_by_key(|p| p.source);
    if !params.is_empty() {
        let params = distinct(params).into_iter().map(|param| parameter(param, schemas)).collect();
        operation.insert("parameters".into(), params);
    }
    if route.takes_form() {
        operation.insert("requestBody".into(), form_body(route, schemas));
    }
    if let Some(body) = &route.body {
        let schema = guest_schema(body.schema.as_deref(), route, "body", schemas)?;
        let mut request_body = json!({ "content": { body.media_type.as_str(): { "schema": schema } } });
        if body.required {
            request_body["required"] = json!(true);
        }
        operation.insert("requestBody".into(), request_body);
    }
    let mut responses = Map::new();
    responses.insert(docs.status.to_string(), success_response(route, schemas)?);
    if let Some(extra) = &docs.responses {
        add_responses(&mut responses, extra, route, schemas)?;
    }
    // As FastAPI: documented answers for errors replace its validation answer.
    let documented = ["422", "4XX", "default"].iter().any(|key| responses.contains_key(*key));
    if (!route.params.is_empty() || route.body.is_some()) && !documented {
        responses.insert(
            "422".into(),
            json!({
                "description": "Validation Error",
                "content": { "application/json": {
                    "schema": { "$ref": format!("{OPENAPI_REFS}HTTPValidationError") }
                } }
            }),
        );
    }
    operation.insert("responses".into(), Value::Object(responses));
    Ok(Value::Object(operation))
}

fn success_response(route: &RouteSpec, schemas: &mut Map<String, Value>) -> Result<Value, SchemaError> {
    let docs = &route.docs;
    let mut response = json!({ "description": "Successful Response" });
    // A 204, a 304 or a 1xx has no body to describe; nor has a class without a media type.
    if docs.status == 204 || docs.status == 304 || docs.status < 200 || docs.response_media_type.is_empty() {
        return Ok(response);
    }
    let schema = if is_json(&docs.response_media_type) {
        guest_schema(docs.response_schema.as_deref(), route, "response", schemas)?
    } else {
        json!({ "type": "string" })
    };
    response["content"] = json!({ docs.response_media_type.as_str(): { "schema": schema } });
    Ok(response)
}

fn is_json(media_type: &str) -> bool {
    media_type == "application/json" || media_type.ends_with("+json")
}

/// Merges the route's extra answers (`{"responses": ..., "$defs": ...}`)
/// into `responses`, deeply and key by key, as FastAPI's `deep_dict_update`.
fn add_responses(
    responses: &mut Map<String, Value>,
    extra: &str,
    route: &RouteSpec,
    schemas: &mut Map<String, Value>,
) -> Result<(), SchemaError> {
    let mut extra = guest_schema(Some(extra), route, "responses", schemas)?;
    let Some(Value::Object(answers)) = extra.get_mut("responses").map(Value::take) else {
        return Err(SchemaError {
            route: format!("{} {}", route.method, route.path),
            what: "responses",
            reason: "no `responses` object".into(),
        });
    };
    for (key, answer) in answers {
        deep_update(responses.entry(key).or_insert_with(|| json!({})), answer);
    }
    Ok(())
}

/// `target` updated with `update`: objects merged key by key, anything else replaced.
fn deep_update(target: &mut Value, update: Value) {
    match (target, update) {
        (Value::Object(target), Value::Object(update)) => {
            for (key, value) in update {
                match target.get_mut(&key) {
                    Some(existing) if existing.is_object() && value.is_object() => {
                        deep_update(existing, value)
                    }
                    _ => {
                        target.insert(key, value);
                    }
                }
            }
        }
        (target, update) => *target = update,
    }
}

/// Parses a guest's schema, moves its `$defs` into `schemas` and points its
/// references there; an absent schema is `{}` (any value).
fn guest_schema(
    text: Option<&str>,
    route: &RouteSpec,
    what: &'static str,
    schemas: &mut Map<String, Value>,
) -> Result<Value, SchemaError> {
    let Some(text) = text else {
        return Ok(json!({}));
    };
    let error =
        |reason: String| SchemaError { route: format!("{} {}", route.method, route.path), what, reason };
    let mut schema: Value = serde_json::from_str(text).map_err(|err| error(err.to_string()))?;
    let Some(object) = schema.as_object_mut() else {
        return Err(error(format!("found {text}")));
    };
    if let Some(defs) = object.remove("$defs") {
        let Value::Object(defs) = defs else {
            return Err(error("`$defs` is not an object".into()));
        };
        for (name, mut def) in defs {
            rewrite_refs(&mut def);
            drop_null_defaults(&mut def);
            schemas.insert(name, def);
        }
    }
    rewrite_refs(&mut schema);
    Ok(schema)
}

/// FastAPI documents no `None` default of a model's property (pydantic's
/// own `model_json_schema()` does).
fn drop_null_defaults(schema: &mut Value) {
    if let Some(Value::Object(properties)) = schema.get_mut("properties") {
        for object in properties.values_mut().filter_map(Value::as_object_mut) {
            if object.get("default") == Some(&Value::Null) {
                object.remove("default");
            }
        }
    }
}

fn rewrite_refs(schema: &mut Value) {
    match schema {
        Value::Object(object) => {
            for (key, value) in object.iter_mut() {
                match value {
                    Value::String(target) if key == "$ref" => {
                        if let Some(name) = target.strip_prefix(GUEST_REFS) {
                            *target = format!("{OPENAPI_REFS}{name}");
                        }
                    }
                    _ => rewrite_refs(value),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(rewrite_refs),
        _ => {}
    }
}

fn parameter(param: &ParamSpec, schemas: &mut Map<String, Value>) -> Value {
    let schema = param_schema(param, schemas);
    let mut object = json!({ "name": param.name, "in": param.source.as_str(), "required": param.required, "schema": schema });
    if let Some(description) = &param.description {
        object["description"] = json!(description);
    }
    object
}

/// Each (source, name) once, as FastAPI lists the parameters of several
/// dependencies: at its first place, a required declaration winning.
fn distinct(params: Vec<&ParamSpec>) -> Vec<&ParamSpec> {
    let mut kept: Vec<&ParamSpec> = Vec::with_capacity(params.len());
    for param in params {
        match kept.iter_mut().find(|k| k.source == param.source && k.name == param.name) {
            Some(first) if param.required && !first.required => *first = param,
            Some(_) => {}
            None => kept.push(param),
        }
    }
    kept
}

/// A form route's request body, as FastAPI documents it: a `Body_<operation
/// id>` object schema of the fields, urlencoded or (with files) multipart.
fn form_body(route: &RouteSpec, schemas: &mut Map<String, Value>) -> Value {
    let name = format!("Body_{}", operation_id(route));
    let fields: Vec<&ParamSpec> = route.params.iter().filter(|p| p.source == ParamSource::Form).collect();
    let mut properties = Map::new();
    for field in &fields {
        let mut schema = param_schema(field, schemas);
        if let Some(description) = &field.description {
            schema["description"] = json!(description);
        }
        properties.insert(field.name.clone(), schema);
    }
    let required: Vec<&str> = fields.iter().filter(|f| f.required).map(|f| f.name.as_str()).collect();
    let mut schema = json!({ "properties": properties, "type": "object" });
    if !required.is_empty() {
        schema["required"] = json!(required);
    }
    schema["title"] = json!(name);
    schemas.insert(name.clone(), schema);
    let media = if route.takes_files() { "multipart/form-data" } else { "application/x-www-form-urlencoded" };
    let mut body = json!({ "content": { media: { "schema": { "$ref": format!("{OPENAPI_REFS}{name}") } } } });
    if !required.is_empty() {
        body["required"] = json!(true);
    }
    body
}

/// A parameter's (or form field's) JSON Schema, as pydantic writes it.
fn param_schema(param: &ParamSpec, schemas: &mut Map<String, Value>) -> Value {
    let mut kind = kind_schema(param.kind);
    let mut named = false;
    if let Some(choices) = &param.constraints.choices {
        kind = choices_schema(choices);
        if let Some(name) = &choices.name {
            // An Enum is a named schema, referenced (FastAPI gives it no title here).
            schemas.insert(name.clone(), kind);
            kind = json!({ "$ref": format!("{OPENAPI_REFS}{name}") });
            named = true;
        }
    }
    if param.repeated {
        kind = match param.unique {
            true => json!({ "type": "array", "uniqueItems": true, "items": kind }),
            false => json!({ "type": "array", "items": kind }),
        };
        length_keywords(&param.constraints, "minItems", "maxItems", &mut kind);
    } else if param.kind == ParamKind::Decimal {
        // Bounds go on the number branch, as floats; digits are not documented.
        constraint_keywords(&param.constraints, true, &mut kind["anyOf"][0]);
    } else {
        constraint_keywords(&param.constraints, false, &mut kind);
    }
    let mut schema = match (&param.default, param.required) {
        // An optional parameter without a default may be null, as FastAPI
        // documents `Optional[X] = None` (a union gains a branch).
        (ParamValue::None, false) => match kind.get_mut("anyOf").and_then(Value::as_array_mut) {
            Some(branches) => {
                branches.push(json!({ "type": "null" }));
                kind
            }
            None => json!({ "anyOf": [kind, { "type": "null" }] }),
        },
        _ => kind,
    };
    if let Some(default) = default_value(&param.default, param.kind) {
        schema["default"] = default;
    }
    if !named || param.repeated {
        schema["title"] = json!(param.title.clone().unwrap_or_else(|| fasterapi_lax::title(&param.name)));
    }
    // `json_schema_extra`: the guest's keywords, on top.
    let extra = param.schema_extra.as_deref().and_then(|text| serde_json::from_str::<Value>(text).ok());
    if let (Some(Value::Object(extra)), Value::Object(object)) = (extra, &mut schema) {
        object.extend(extra);
    }
    schema
}

/// The schema of one value of `kind`, as pydantic writes it.
fn kind_schema(kind: ParamKind) -> Value {
    let string = |format: &str| json!({ "type": "string", "format": format });
    match kind {
        ParamKind::Int => json!({ "type": "integer" }),
        ParamKind::Float => json!({ "type": "number" }),
        ParamKind::Bool => json!({ "type": "boolean" }),
        ParamKind::Text => json!({ "type": "string" }),
        ParamKind::Uuid => string("uuid"),
        ParamKind::Datetime => string("date-time"),
        ParamKind::Date => string("date"),
        ParamKind::Time => string("time"),
        ParamKind::Timedelta => string("duration"),
        ParamKind::Decimal => json!({ "anyOf": [{ "type": "number" }, { "type": "string" }] }),
        ParamKind::Bytes | ParamKind::File => {
            json!({ "type": "string", "contentMediaType": "application/octet-stream" })
        }
    }
}

/// An Enum's schema (`type`, `enum`, `title`, `description`) or a Literal's
/// (`enum`, `type`).
fn choices_schema(choices: &Choices) -> Value {
    let values: Vec<Value> =
        choices.values.iter().filter_map(|v| default_value(v, ParamKind::Text)).collect();
    let all_ints = choices.values.iter().all(|v| matches!(v, ParamValue::Int(_)));
    let kind = if all_ints { "integer" } else { "string" };
    match &choices.name {
        Some(name) => {
            let mut schema = json!({ "type": kind, "enum": values, "title": name });
            if let Some(description) = &choices.description {
                schema["description"] = json!(description);
            }
            schema
        }
        None => json!({ "enum": values, "type": kind }),
    }
}

/// pydantic's JSON Schema keywords for the constraints (bounds written as
/// floats for a `Decimal`).
fn constraint_keywords(constraints: &Constraints, as_floats: bool, schema: &mut Value) {
    let numbers = [
        ("multipleOf", constraints.multiple_of),
        ("maximum", constraints.le),
        ("exclusiveMaximum", constraints.lt),
        ("minimum", constraints.ge),
        ("exclusiveMinimum", constraints.gt),
    ];
    for (keyword, bound) in numbers {
        match bound {
            Some(Number::Int(v)) if !as_floats => schema[keyword] = json!(v),
            Some(Number::Int(v)) => schema[keyword] = json!(v as f64),
            Some(Number::Float(v)) => {
                schema[keyword] = serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
            }
            None => {}
        }
    }
    length_keywords(constraints, "minLength", "maxLength", schema);
    if let Some(pattern) = &constraints.pattern {
        schema["pattern"] = json!(pattern.as_str());
    }
}

/// `min_length`/`max_length` under the names that fit the value.
fn length_keywords(constraints: &Constraints, min_key: &str, max_key: &str, schema: &mut Value) {
    if let Some(max) = constraints.max_length {
        schema[max_key] = json!(max);
    }
    if let Some(min) = constraints.min_length {
        schema[min_key] = json!(min);
    }
}

/// A default as pydantic documents it: the canonical text the guest passes
/// becomes pydantic's JSON form (`Z` for UTC, `P1DT30S`, `1.50`).
fn default_value(value: &ParamValue, kind: ParamKind) -> Option<Value> {
    match value {
        ParamValue::None => None,
        ParamValue::Int(v) => Some(json!(v)),
        // JSON has no NaN or infinity; such a default goes undocumented.
        ParamValue::Float(v) => serde_json::Number::from_f64(*v).map(Value::Number),
        ParamValue::Bool(v) => Some(json!(v)),
        ParamValue::Text(v) => Some(json!(documented_text(kind, v))),
        ParamValue::List(list) => Some(match list {
            List::Int(v) => json!(v),
            List::Float(v) => json!(v),
            List::Bool(v) => json!(v),
            List::Text(v) => json!(v.iter().map(|t| documented_text(kind, t)).collect::<Vec<_>>()),
            // Bytes are documented as their text; a file has no default worth documenting.
            List::Upload(v) if kind == ParamKind::Bytes => {
                json!(v.iter().map(|u| String::from_utf8_lossy(&u.data)).collect::<Vec<_>>())
            }
            List::Upload(_) => return None,
        }),
        ParamValue::Upload(u) if kind == ParamKind::Bytes => Some(json!(String::from_utf8_lossy(&u.data))),
        ParamValue::Upload(_) => None,
    }
}

fn documented_text(kind: ParamKind, text: &str) -> String {
    match kind {
        ParamKind::Datetime => match text.strip_suffix("+00:00") {
            Some(utc) => format!("{utc}Z"),
            None => text.to_owned(),
        },
        ParamKind::Timedelta => crate::temporal::iso_duration(text).unwrap_or_else(|| text.to_owned()),
        ParamKind::Decimal => {
            crate::decimal::Decimal::parse(text).map_or_else(|_| text.to_owned(), |d| d.to_string())
        }
        _ => text.to_owned(),
    }
}

/// FastAPI's default operation id: the handler's name and path with every
/// non-word character as `_`, then the method.
fn operation_id(route: &RouteSpec) -> String {
    let raw = format!("{}{}", route.name, openapi_path(&route.path));
    let word = raw.chars().map(|c| if c.is_alphanumeric() || c == '_' { c } else { '_' }).collect::<String>();
    format!("{word}_{}", route.method.as_str().to_ascii_lowercase())
}

/// A matchit template as an OpenAPI path: `{*rest}` is `{rest}`.
fn openapi_path(template: &str) -> String {
    template.replace("{*", "{")
}

/// FastAPI's `HTTPValidationError` and `ValidationError` schemas: the shape
/// of every 422 body.
fn validation_schemas() -> Map<String, Value> {
    let schemas = json!({
        "HTTPValidationError": {
            "properties": {
                "detail": {
                    "items": { "$ref": format!("{OPENAPI_REFS}ValidationError") },
                    "type": "array",
                    "title": "Detail"
                }
            },
            "type": "object",
            "title": "HTTPValidationError"
        },
        "ValidationError": {
            "properties": {
                "loc": {
                    "items": { "anyOf": [{ "type": "string" }, { "type": "integer" }] },
                    "type": "array",
                    "title": "Location"
                },
                "msg": { "type": "string", "title": "Message" },
                "type": { "type": "string", "title": "Error Type" },
                "input": { "title": "Input" },
                "ctx": { "type": "object", "title": "Context" }
            },
            "type": "object",
            "required": ["loc", "msg", "type"],
            "title": "ValidationError"
        }
    });
    match schemas {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{BodySpec, Method};

    fn route(method: Method, path: &str, name: &str, params: Vec<ParamSpec>) -> RouteSpec {
        RouteSpec::new(method, path, name, params)
    }

    fn param(
        name: &str,
        source: ParamSource,
        kind: ParamKind,
        required: bool,
        default: ParamValue,
    ) -> ParamSpec {
        ParamSpec { required, default, ..ParamSpec::required(name, source, kind) }
    }

    #[test]
    fn titles_and_operation_ids_follow_fastapi() {
        assert_eq!(fasterapi_lax::title("get_user"), "Get User");
        assert_eq!(fasterapi_lax::title("x-token"), "X-Token");
        assert_eq!(fasterapi_lax::title("HTTPServer_v2"), "Httpserver V2");
        assert_eq!(fasterapi_lax::title("item2name"), "Item2Name");
        let files = route(Method::Get, "/files/{*rest}", "read_file", Vec::new());
        assert_eq!(operation_id(&files), "read_file_files__rest__get");
    }

    #[test]
    fn parameters_are_typed_ordered_and_defaulted() {
        let routes = [route(
            Method::Get,
            "/users/{user_id}",
            "get_user",
            vec![
                param("q", ParamSource::Query, ParamKind::Text, false, ParamValue::None),
                param("x-token", ParamSource::Header, ParamKind::Text, true, ParamValue::None),
                param("limit", ParamSource::Query, ParamKind::Int, false, ParamValue::Int(10)),
                param("user_id", ParamSource::Path, ParamKind::Int, true, ParamValue::None),
            ],
        )];
        let doc = document("app", &ApiInfo::default(), &routes).unwrap();
        let op = &doc["paths"]["/users/{user_id}"]["get"];
        let names: Vec<&str> =
            op["parameters"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["user_id", "q", "limit", "x-token"]);
        assert_eq!(op["parameters"][1]["schema"]["anyOf"][1], json!({ "type": "null" }));
        assert_eq!(
            op["parameters"][2]["schema"],
            json!({ "type": "integer", "default": 10, "title": "Limit" })
        );
        assert_eq!(op["responses"]["422"]["description"], "Validation Error");
        assert!(doc["components"]["schemas"]["ValidationError"].is_object());
    }

    #[test]
    fn security_and_schema_extras_are_documented_as_fastapi_does() {
        let mut password = param("password", ParamSource::Form, ParamKind::Text, true, ParamValue::None);
        password.schema_extra = Some(r#"{"format": "password"}"#.into());
        let mut login = route(Method::Post, "/token", "login", vec![password]);
        login.docs.security = Some(
            r#"{"schemes": {"OAuth2PasswordBearer": {"type": "oauth2", "flows": {"password": {"scopes": {}, "tokenUrl": "token"}}}},
                "requirements": [{"OAuth2PasswordBearer": ["me"]}]}"#
                .into(),
        );
        let doc = document("t", &ApiInfo::default(), &[login]).unwrap();
        let operation = &doc["paths"]["/token"]["post"];
        assert_eq!(operation["security"], json!([{"OAuth2PasswordBearer": ["me"]}]));
        assert_eq!(doc["components"]["securitySchemes"]["OAuth2PasswordBearer"]["type"], "oauth2");
        let body = &doc["components"]["schemas"]["Body_login_token_post"];
        assert_eq!(
            body["properties"]["password"],
            json!({"type": "string", "title": "Password", "format": "password"})
        );
        let mut broken = route(Method::Get, "/x", "x", vec![]);
        broken.docs.security = Some("{}".into());
        assert_eq!(document("t", &ApiInfo::default(), &[broken]).unwrap_err().what, "security");
    }

    #[test]
    fn guest_schemas_are_lifted_into_components() {
        let mut create = route(Method::Post, "/items", "create_item", Vec::new());
        create.body = Some(BodySpec {
            required: true,
            media_type: "application/json".into(),
            schema: Some(r##"{"$ref":"#/$defs/Item","$defs":{"Item":{"type":"object","properties":{"tag":{"$ref":"#/$defs/Tag"}}},"Tag":{"type":"string"}}}"##.into()),
        });
        create.docs.status = 201;
        let doc = document("app", &ApiInfo::default(), &[create]).unwrap();
        let op = &doc["paths"]["/items"]["post"];
        assert_eq!(
            op["requestBody"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/Item"
        );
        assert_eq!(op["requestBody"]["required"], true);
        assert_eq!(
            doc["components"]["schemas"]["Item"]["properties"]["tag"]["$ref"],
            "#/components/schemas/Tag"
        );
        assert!(op["responses"]["201"].is_object());
    }

    #[test]
    fn a_schema_that_is_not_an_object_is_refused() {
        let mut create = route(Method::Post, "/items", "create_item", Vec::new());
        create.body = Some(BodySpec {
            required: true,
            media_type: "application/json".into(),
            schema: Some("[1]".into()),
        });
        assert!(document("app", &ApiInfo::default(), &[create]).is_err());
    }

    #[test]
    fn extra_responses_merge_into_the_operations_and_replace_the_422() {
        let mut read = route(
            Method::Get,
            "/items/{id}",
            "read_item",
            vec![ParamSpec::required("id", ParamSource::Path, ParamKind::Int)],
        );
        read.docs.responses = Some(
            r##"{"responses": {"404": {"description": "Missing", "content": {"application/json": {"schema": {"$ref": "#/$defs/Message"}}}},
                "200": {"description": "An item or a picture", "content": {"image/png": {}}}},
                "$defs": {"Message": {"type": "object", "title": "Message"}}}"##
                .into(),
        );
        let doc = document("app", &ApiInfo::default(), &[read.clone()]).unwrap();
        let responses = &doc["paths"]["/items/{id}"]["get"]["responses"];
        assert_eq!(
            responses["404"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/Message"
        );
        assert_eq!(responses["200"]["description"], "An item or a picture");
        assert_eq!(responses["200"]["content"]["application/json"]["schema"], json!({}));
        assert!(responses["200"]["content"]["image/png"].is_object());
        assert_eq!(responses["422"]["description"], "Validation Error");
        assert_eq!(doc["components"]["schemas"]["Message"]["title"], "Message");
        read.docs.responses = Some(r#"{"responses": {"4XX": {"description": "Client Error"}}}"#.into());
        let doc = document("app", &ApiInfo::default(), &[read.clone()]).unwrap();
        assert!(doc["paths"]["/items/{id}"]["get"]["responses"].get("422").is_none());
        read.docs.responses = Some("[]".into());
        assert!(document("app", &ApiInfo::default(), &[read]).is_err());
    }

    #[test]
    fn hidden_routes_and_text_answers() {
        let mut hidden = route(Method::Get, "/internal", "internal", Vec::new());
        hidden.docs.include_in_schema = false;
        let mut text = route(Method::Get, "/plaintext", "plaintext", Vec::new());
        text.docs.response_media_type = "text/plain".into();
        let doc = document("app", &ApiInfo::default(), &[hidden, text]).unwrap();
        assert!(doc["paths"].get("/internal").is_none());
        let content = &doc["paths"]["/plaintext"]["get"]["responses"]["200"]["content"];
        assert_eq!(content["text/plain"]["schema"], json!({ "type": "string" }));
        assert!(doc.get("components").is_none());
        assert_eq!(mounted(&doc, Some("/py"))["servers"][0]["url"], "/py");
    }
}
