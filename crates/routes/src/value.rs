//! Typed parameter values.
//!
//! [`Value`] is this crate's own form (route defaults, tests); a consumer
//! that passes values on — the runtime, as WIT values — implements
//! [`ArgValue`] for its own type, so that request text is converted once,
//! straight into the form the guest receives.

/// A typed parameter value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// An optional parameter that is absent and has no default.
    None,
    /// A 64-bit integer (`int`).
    Int(i64),
    /// A 64-bit float (`float`).
    Float(f64),
    /// A boolean (`bool`).
    Bool(bool),
    /// Text (`str`).
    Text(String),
    /// Every value of a repeated parameter (`list[int]`), in request order.
    List(List),
    /// A part of a form body: a file, or a text field's bytes.
    Upload(Upload),
}

/// A part of a form body as a handler gets it (FastAPI's `UploadFile`, or
/// `bytes`): a file's name, media type and content; a text field has
/// neither name nor media type.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Upload {
    /// The part's `filename`, for a file.
    pub filename: Option<String>,
    /// The part's `Content-Type`, for a file.
    pub content_type: Option<String>,
    /// The content.
    pub data: Vec<u8>,
}

/// The values of a repeated parameter, all of the parameter's kind.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)] // one case per parameter kind
pub enum List {
    Int(Vec<i64>),
    Float(Vec<f64>),
    Bool(Vec<bool>),
    Text(Vec<String>),
    Upload(Vec<Upload>),
}

/// A type that parsed parameters can be built as.
pub trait ArgValue: Sized {
    /// An integer.
    fn int(value: i64) -> Self;
    /// A float.
    fn float(value: f64) -> Self;
    /// A boolean.
    fn bool(value: bool) -> Self;
    /// Text.
    fn text(value: String) -> Self;
    /// No value (an absent optional parameter without default).
    fn none() -> Self;
    /// The values of a repeated parameter.
    fn list(values: List) -> Self;
    /// A part of a form body.
    fn upload(upload: Upload) -> Self;

    /// The value of a declared default.
    fn from_value(value: &Value) -> Self {
        match value {
            Value::None => Self::none(),
            Value::Int(v) => Self::int(*v),
            Value::Float(v) => Self::float(*v),
            Value::Bool(v) => Self::bool(*v),
            Value::Text(v) => Self::text(v.clone()),
            Value::List(v) => Self::list(v.clone()),
            Value::Upload(v) => Self::upload(v.clone()),
        }
    }
}

impl ArgValue for Value {
    fn int(value: i64) -> Self {
        Value::Int(value)
    }
    fn float(value: f64) -> Self {
        Value::Float(value)
    }
    fn bool(value: bool) -> Self {
        Value::Bool(value)
    }
    fn text(value: String) -> Self {
        Value::Text(value)
    }
    fn none() -> Self {
        Value::None
    }
    fn list(values: List) -> Self {
        Value::List(values)
    }
    fn upload(upload: Upload) -> Self {
        Value::Upload(upload)
    }
}
