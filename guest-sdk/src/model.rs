//! pydantic-style validation of JSON values: the same lax coercions, the same
//! error `type`s and `loc`s, every error reported at once.
//!
//! Supported field types: `String`, `i64`/`i32`/`u32`/`u64`, `f64`/`f32`,
//! `bool`, `Option<T>`, `Vec<T>`, `HashMap<String, T>`/`BTreeMap<String, T>`,
//! `serde_json::Value`, and structs marked `#[fasterapi::model]`.

use std::collections::{BTreeMap, HashMap};

use serde::de::DeserializeOwned;
use serde::{Serialize, Serializer};
use serde_json::{Number, Value};

/// The most errors one 422 lists. pydantic lists every error, but a body of
/// 200,000 bad items would then need a ~20 MB answer and more memory than a
/// guest has; past this many the rest are not reported (the answer stays a
/// 422 of about 1 MB).
pub const MAX_ERRORS: usize = 10_000;

/// Whether validation may stop: enough errors were found already.
fn full(errors: &[FieldError]) -> bool {
    errors.len() >= MAX_ERRORS
}

/// One step of an error location: an object key or an array index.
#[derive(Debug, Clone, PartialEq)]
pub enum LocItem {
    Key(String),
    Index(usize),
}

impl Serialize for LocItem {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            LocItem::Key(key) => serializer.serialize_str(key),
            LocItem::Index(index) => serializer.serialize_u64(*index as u64),
        }
    }
}

/// Where in the request a value sits: `["body", "items", 0, "price"]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Loc(Vec<LocItem>);

impl Loc {
    /// The location of the whole body.
    pub fn body() -> Self {
        Loc(vec![LocItem::Key("body".into())])
    }

    /// Runs `f` one level deeper.
    pub fn with<R>(&mut self, item: LocItem, f: impl FnOnce(&mut Loc) -> R) -> R {
        self.0.push(item);
        let result = f(self);
        self.0.pop();
        result
    }
}

/// One entry of a FastAPI 422 `detail` list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldError {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub loc: Loc,
    pub msg: String,
    pub input: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ctx: Option<Value>,
}

impl FieldError {
    /// An error of pydantic type `kind` at `loc`.
    pub fn new(kind: &'static str, loc: Loc, msg: impl Into<String>, input: Value) -> Self {
        FieldError { kind, loc, msg: msg.into(), input, ctx: None }
    }

    /// A required value is absent; `input` is the object it was missing from.
    pub fn missing(loc: Loc, input: Value) -> Self {
        FieldError::new("missing", loc, "Field required", input)
    }

    fn lax(kind: fasterapi_lax::ErrorKind, loc: &Loc, input: &Value) -> Self {
        FieldError::new(kind.type_name(), loc.clone(), kind.message(), input.clone())
    }

    /// The body is not valid JSON: `loc` ends with the character offset of
    /// the error, as Python's `json` module reports it.
    pub fn json_invalid(body: &[u8], err: &serde_json::Error) -> Self {
        let text = String::from_utf8_lossy(body);
        let mut offset = char_offset(&text, err.line(), err.column());
        let message = err.to_string();
        if err.is_eof() {
            offset = text.chars().count();
        } else if message.starts_with("expected ident") {
            // serde fails inside a bad literal (`nope`); Python at its start.
            let chars: Vec<char> = text.chars().collect();
            while offset > 0 && chars.get(offset - 1).is_some_and(|c| c.is_ascii_alphabetic()) {
                offset -= 1;
            }
        }
        let mut loc = Loc::body();
        loc.0.push(LocItem::Index(offset));
        FieldError {
            kind: "json_invalid",
            loc,
            msg: "JSON decode error".into(),
            input: Value::Object(Default::default()),
            ctx: Some(serde_json::json!({ "error": python_json_message(&message, err.is_eof()) })),
        }
    }
}

/// The character offset of serde's 1-based line and column.
fn char_offset(text: &str, line: usize, column: usize) -> usize {
    let before: usize = text.split('\n').take(line.saturating_sub(1)).map(|l| l.chars().count() + 1).sum();
    before + column.saturating_sub(1)
}

/// Python's wording of the common JSON errors.
fn python_json_message(serde_message: &str, eof: bool) -> &'static str {
    if eof {
        "Expecting value"
    } else if serde_message.starts_with("key must be a string") {
        "Expecting property name enclosed in double quotes"
    } else if serde_message.starts_with("expected `:`") {
        "Expecting ':' delimiter"
    } else if serde_message.starts_with("expected `,`") {
        "Expecting ',' delimiter"
    } else if serde_message.starts_with("trailing") {
        "Extra data"
    } else {
        "Expecting value"
    }
}

/// A type a JSON body (or a part of one) can be validated as.
///
/// `validate` checks `value` with pydantic's lax rules, rewrites coerced
/// values in place (`"3.5"` becomes `3.5` for a float) so that serde can then
/// deserialize it, and appends every error found.
pub trait Model: DeserializeOwned {
    /// Whether a struct field of this type may be absent (`Option<T>`).
    const OPTIONAL: bool = false;
    /// Validates and coerces `value`, found at `loc`.
    fn validate(value: &mut Value, loc: &mut Loc, errors: &mut Vec<FieldError>);
    /// The JSON Schema of the type, as pydantic writes it; named models go
    /// into `defs` and are referenced as `#/$defs/Name`.
    fn schema(defs: &mut Schemas) -> Value;
}

/// Named schemas by name: the `$defs` of a JSON Schema.
pub type Schemas = serde_json::Map<String, Value>;

/// The JSON Schema document of `T`: its schema with the `$defs` it uses.
pub fn schema_of<T: Model>() -> String {
    let mut defs = Schemas::new();
    let mut schema = T::schema(&mut defs);
    if let (Value::Object(object), false) = (&mut schema, defs.is_empty()) {
        object.insert("$defs".into(), Value::Object(defs));
    }
    schema.to_string()
}

/// One field of a `#[model]` struct, for its schema: the wire name, the
/// type's schema and its doc comment.
#[doc(hidden)]
pub type FieldSchema = (&'static str, Value, Option<&'static str>);

/// The schema of a `#[model]` struct: put into `defs` under `name` (once,
/// so recursive models terminate) and referenced.
#[doc(hidden)]
pub fn model_schema(
    defs: &mut Schemas,
    name: &'static str,
    description: Option<&'static str>,
    required: &[&str],
    fields: impl FnOnce(&mut Schemas) -> Vec<FieldSchema>,
) -> Value {
    if !defs.contains_key(name) {
        defs.insert(name.into(), Value::Null);
        let mut properties = Schemas::new();
        // An optional field's `None` default is not documented, as in FastAPI.
        for (wire, mut schema, doc) in fields(defs) {
            let is_reference = is_reference(&schema);
            if let Value::Object(field) = &mut schema {
                // pydantic gives a model field, optional or not, no title.
                if !is_reference {
                    field.insert("title".into(), fasterapi_lax::title(wire).into());
                }
                if let Some(doc) = doc {
                    field.insert("description".into(), doc.into());
                }
            }
            properties.insert(wire.into(), schema);
        }
        let mut schema = serde_json::json!({ "properties": properties, "type": "object" });
        if !required.is_empty() {
            schema["required"] = required.into();
        }
        schema["title"] = name.into();
        if let Some(description) = description {
            schema["description"] = description.into();
        }
        defs.insert(name.into(), schema);
    }
    serde_json::json!({ "$ref": format!("#/$defs/{name}") })
}

fn is_reference(schema: &Value) -> bool {
    let any_of = schema.get("anyOf").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    schema.get("$ref").is_some() || any_of.iter().any(|s| s.get("$ref").is_some())
}

fn typed(name: &str) -> Value {
    serde_json::json!({ "type": name })
}

impl Model for Value {
    fn validate(_: &mut Value, _: &mut Loc, _: &mut Vec<FieldError>) {}
    fn schema(_: &mut Schemas) -> Value {
        serde_json::json!({})
    }
}

impl Model for String {
    fn schema(_: &mut Schemas) -> Value {
        typed("string")
    }
    fn validate(value: &mut Value, loc: &mut Loc, errors: &mut Vec<FieldError>) {
        if !value.is_string() {
            errors.push(FieldError::new(
                "string_type",
                loc.clone(),
                "Input should be a valid string",
                value.clone(),
            ));
        }
    }
}

impl Model for bool {
    fn schema(_: &mut Schemas) -> Value {
        typed("boolean")
    }
    fn validate(value: &mut Value, loc: &mut Loc, errors: &mut Vec<FieldError>) {
        let parsed = match &*value {
            Value::Bool(_) => return,
            Value::Number(n) if n.as_f64() == Some(1.0) => Ok(true),
            Value::Number(n) if n.as_f64() == Some(0.0) => Ok(false),
            Value::Number(_) => Err(fasterapi_lax::ErrorKind::BoolParsing),
            Value::String(s) => fasterapi_lax::parse_bool(s),
            _ => {
                let msg = "Input should be a valid boolean";
                return errors.push(FieldError::new("bool_type", loc.clone(), msg, value.clone()));
            }
        };
        match parsed {
            Ok(b) => *value = Value::Bool(b),
            Err(kind) => errors.push(FieldError::lax(kind, loc, value)),
        }
    }
}

/// Validates an integer of any width; `coerce` narrows it to the target type.
fn validate_int(value: &mut Value, loc: &Loc, errors: &mut Vec<FieldError>, fits: impl Fn(i128) -> bool) {
    let parsed: Result<i128, FieldError> = match &*value {
        Value::Number(n) if n.is_i64() || n.is_u64() => {
            Ok(n.as_i64().map(i128::from).or(n.as_u64().map(i128::from)).unwrap_or_default())
        }
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 1e18 => Ok(f as i128),
            _ => Err(FieldError::new(
                "int_from_float",
                loc.clone(),
                "Input should be a valid integer, got a number with a fractional part",
                value.clone(),
            )),
        },
        Value::Bool(b) => Ok(i128::from(*b)),
        Value::String(s) => {
            fasterapi_lax::parse_int(s).map(i128::from).map_err(|k| FieldError::lax(k, loc, value))
        }
        _ => Err(FieldError::new("int_type", loc.clone(), "Input should be a valid integer", value.clone())),
    };
    match parsed {
        Ok(int) if fits(int) => {
            *value = if int < 0 { Value::from(int as i64) } else { Value::from(int as u64) };
        }
        Ok(_) => errors.push(FieldError::new(
            "int_parsing",
            loc.clone(),
            "Input should be a valid integer, the number is out of range",
            value.clone(),
        )),
        Err(error) => errors.push(error),
    }
}

macro_rules! int_model {
    ($($ty:ty),*) => {$(
        impl Model for $ty {
            fn validate(value: &mut Value, loc: &mut Loc, errors: &mut Vec<FieldError>) {
                validate_int(value, loc, errors, |i| <$ty>::try_from(i).is_ok());
            }
            fn schema(_: &mut Schemas) -> Value {
                typed("integer")
            }
        }
    )*};
}

int_model!(i64, i32, u32, u64, usize);

fn validate_float(value: &mut Value, loc: &Loc, errors: &mut Vec<FieldError>) {
    let parsed = match &*value {
        Value::Number(_) => return,
        Value::Bool(b) => Ok(if *b { 1.0 } else { 0.0 }),
        Value::String(s) => fasterapi_lax::parse_float(s),
        _ => {
            let msg = "Input should be a valid number";
            return errors.push(FieldError::new("float_type", loc.clone(), msg, value.clone()));
        }
    };
    // JSON cannot hold inf/nan, so serde could not read them back.
    match parsed.map(Number::from_f64) {
        Ok(Some(number)) => *value = Value::Number(number),
        Ok(None) => errors.push(FieldError::new(
            "finite_number",
            loc.clone(),
            "Input should be a finite number",
            value.clone(),
        )),
        Err(kind) => errors.push(FieldError::lax(kind, loc, value)),
    }
}

impl Model for f64 {
    fn validate(value: &mut Value, loc: &mut Loc, errors: &mut Vec<FieldError>) {
        validate_float(value, loc, errors)
    }
    fn schema(_: &mut Schemas) -> Value {
        typed("number")
    }
}

impl Model for f32 {
    fn validate(value: &mut Value, loc: &mut Loc, errors: &mut Vec<FieldError>) {
        validate_float(value, loc, errors)
    }
    fn schema(_: &mut Schemas) -> Value {
        typed("number")
    }
}

impl<T: Model> Model for Option<T> {
    const OPTIONAL: bool = true;
    fn validate(value: &mut Value, loc: &mut Loc, errors: &mut Vec<FieldError>) {
        if !value.is_null() {
            T::validate(value, loc, errors)
        }
    }
    fn schema(defs: &mut Schemas) -> Value {
        serde_json::json!({ "anyOf": [T::schema(defs), typed("null")] })
    }
}

impl<T: Model> Model for Vec<T> {
    fn validate(value: &mut Value, loc: &mut Loc, errors: &mut Vec<FieldError>) {
        let Value::Array(items) = value else {
            return errors.push(FieldError::new(
                "list_type",
                loc.clone(),
                "Input should be a valid list",
                value.clone(),
            ));
        };
        for (index, item) in items.iter_mut().enumerate() {
            if full(errors) {
                return;
            }
            loc.with(LocItem::Index(index), |loc| T::validate(item, loc, errors));
        }
    }
    fn schema(defs: &mut Schemas) -> Value {
        serde_json::json!({ "type": "array", "items": T::schema(defs) })
    }
}

fn map_schema<T: Model>(defs: &mut Schemas) -> Value {
    serde_json::json!({ "type": "object", "additionalProperties": T::schema(defs) })
}

fn validate_map<T: Model>(value: &mut Value, loc: &mut Loc, errors: &mut Vec<FieldError>) {
    let Value::Object(entries) = value else {
        let msg = "Input should be a valid dictionary";
        return errors.push(FieldError::new("dict_type", loc.clone(), msg, value.clone()));
    };
    for (key, item) in entries.iter_mut() {
        if full(errors) {
            return;
        }
        loc.with(LocItem::Key(key.clone()), |loc| T::validate(item, loc, errors));
    }
}

impl<T: Model> Model for HashMap<String, T> {
    fn validate(value: &mut Value, loc: &mut Loc, errors: &mut Vec<FieldError>) {
        validate_map::<T>(value, loc, errors)
    }
    fn schema(defs: &mut Schemas) -> Value {
        map_schema::<T>(defs)
    }
}

impl<T: Model> Model for BTreeMap<String, T> {
    fn validate(value: &mut Value, loc: &mut Loc, errors: &mut Vec<FieldError>) {
        validate_map::<T>(value, loc, errors)
    }
    fn schema(defs: &mut Schemas) -> Value {
        map_schema::<T>(defs)
    }
}

/// The fields of a `#[model]` struct, checked in declaration order; used by
/// the macro's generated `validate`.
#[doc(hidden)]
pub struct Fields<'a> {
    object: &'a mut serde_json::Map<String, Value>,
    /// The object as received, the `input` of `missing` errors.
    original: Option<Value>,
}

impl<'a> Fields<'a> {
    /// Starts validating `value` as a model; `None` (after recording the
    /// error) if it is not an object.
    pub fn new(
        value: &'a mut Value,
        loc: &Loc,
        errors: &mut Vec<FieldError>,
        required: &[&str],
    ) -> Option<Self> {
        let Value::Object(object) = value else {
            let msg = "Input should be a valid dictionary or object to extract fields from";
            errors.push(FieldError::new("model_attributes_type", loc.clone(), msg, value.clone()));
            return None;
        };
        let original =
            required.iter().any(|name| !object.contains_key(*name)).then(|| Value::Object(object.clone()));
        Some(Fields { object, original })
    }

    /// Validates field `name` of type `T`; `has_default` fields may be absent.
    pub fn field<T: Model>(
        &mut self,
        name: &str,
        has_default: bool,
        loc: &mut Loc,
        errors: &mut Vec<FieldError>,
    ) {
        loc.with(LocItem::Key(name.into()), |loc| match self.object.get_mut(name) {
            Some(value) => T::validate(value, loc, errors),
            None if T::OPTIONAL || has_default => {}
            None => {
                errors.push(FieldError::missing(loc.clone(), self.original.clone().unwrap_or(Value::Null)))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check<T: Model>(mut value: Value) -> Result<Value, Vec<(&'static str, Value)>> {
        let mut errors = Vec::new();
        T::validate(&mut value, &mut Loc::body(), &mut errors);
        if errors.is_empty() {
            Ok(value)
        } else {
            Err(errors.into_iter().map(|e| (e.kind, serde_json::to_value(&e.loc).unwrap())).collect())
        }
    }

    #[test]
    fn scalars_coerce_like_pydantic() {
        assert_eq!(check::<f64>(json!("3.5")), Ok(json!(3.5)));
        assert_eq!(check::<f64>(json!(true)), Ok(json!(1.0)));
        assert_eq!(check::<i64>(json!(1.0)), Ok(json!(1)));
        assert_eq!(check::<i64>(json!(" 7 ")), Ok(json!(7)));
        assert_eq!(check::<bool>(json!(1)), Ok(json!(true)));
        assert_eq!(check::<bool>(json!("off")), Ok(json!(false)));
        assert_eq!(check::<String>(json!(5)).unwrap_err()[0].0, "string_type");
        assert_eq!(check::<i64>(json!(1.5)).unwrap_err()[0].0, "int_from_float");
        assert_eq!(check::<i64>(json!("x")).unwrap_err()[0].0, "int_parsing");
        assert_eq!(check::<f64>(json!("x")).unwrap_err()[0].0, "float_parsing");
        assert_eq!(check::<f64>(json!(null)).unwrap_err()[0].0, "float_type");
        assert_eq!(check::<bool>(json!(2)).unwrap_err()[0].0, "bool_parsing");
        assert_eq!(check::<i32>(json!(1u64 << 40)).unwrap_err()[0].0, "int_parsing");
    }

    #[test]
    fn containers_report_every_error_with_its_loc() {
        let errors = check::<Vec<String>>(json!(["a", 1, "b", 2])).unwrap_err();
        assert_eq!(errors, [("string_type", json!(["body", 1])), ("string_type", json!(["body", 3]))]);
        let errors = check::<HashMap<String, i64>>(json!({"a": "z"})).unwrap_err();
        assert_eq!(errors, [("int_parsing", json!(["body", "a"]))]);
        assert_eq!(check::<Vec<i64>>(json!("x")).unwrap_err()[0].0, "list_type");
        assert_eq!(check::<HashMap<String, i64>>(json!([])).unwrap_err()[0].0, "dict_type");
        assert_eq!(check::<Option<i64>>(json!(null)), Ok(json!(null)));
    }

    #[test]
    fn errors_stop_at_the_cap() {
        let many = Value::Array(vec![json!(1); MAX_ERRORS * 3]);
        let mut errors = Vec::new();
        <Vec<Vec<String>>>::validate(&mut json!([many.clone(), many]), &mut Loc::body(), &mut errors);
        assert_eq!(errors.len(), MAX_ERRORS);
        let last = serde_json::to_value(&errors[MAX_ERRORS - 1].loc).unwrap();
        assert_eq!(last, json!(["body", 0, MAX_ERRORS - 1]));
    }

    #[test]
    fn json_errors_point_where_python_does() {
        let at = |body: &str| {
            let err = serde_json::from_str::<Value>(body).unwrap_err();
            let error = FieldError::json_invalid(body.as_bytes(), &err);
            (serde_json::to_value(&error.loc).unwrap(), error.ctx.unwrap()["error"].clone())
        };
        assert_eq!(at("{\"name\":"), (json!(["body", 8]), json!("Expecting value")));
        assert_eq!(at("nope"), (json!(["body", 0]), json!("Expecting value")));
        assert_eq!(at("{\"a\":1,\n\"b\":}"), (json!(["body", 12]), json!("Expecting value")));
    }
}

#[cfg(test)]
mod schema_tests {
    use std::collections::HashMap;

    use serde_json::{Value, json};

    /// A box.
    #[crate::model]
    struct Dimensions {
        width: i64,
        height: i64,
    }

    #[crate::model]
    struct Product {
        name: String,
        price: f64,
        tags: Vec<String>,
        dims: Option<Dimensions>,
        stock: HashMap<String, i64>,
        extra: Value,
    }

    /// The same model under pydantic 2.14 (`Product.model_json_schema()`
    /// with `dims: Optional[Dimensions] = None`), with `$defs` as the host
    /// expects them: the body's schema is a reference.
    #[test]
    fn model_schemas_are_the_ones_pydantic_writes() {
        let schema: Value = serde_json::from_str(&super::schema_of::<Product>()).unwrap();
        let expected = json!({
            "$ref": "#/$defs/Product",
            "$defs": {
                "Product": {
                    "properties": {
                        "name": { "type": "string", "title": "Name" },
                        "price": { "type": "number", "title": "Price" },
                        "tags": { "type": "array", "items": { "type": "string" }, "title": "Tags" },
                        "dims": { "anyOf": [{ "$ref": "#/$defs/Dimensions" }, { "type": "null" }] },
                        "stock": { "type": "object", "additionalProperties": { "type": "integer" }, "title": "Stock" },
                        "extra": { "title": "Extra" }
                    },
                    "type": "object",
                    "required": ["name", "price", "tags", "stock", "extra"],
                    "title": "Product"
                },
                "Dimensions": {
                    "properties": {
                        "width": { "type": "integer", "title": "Width" },
                        "height": { "type": "integer", "title": "Height" }
                    },
                    "type": "object",
                    "required": ["width", "height"],
                    "title": "Dimensions",
                    "description": "A box."
                }
            }
        });
        assert_eq!(schema, expected);
    }
}
