//! Typed parameters: what the host parses for a handler argument.

use crate::__private::{ParamSource, ParamValue};
use crate::bindings::fasterapi::http::types::{Choices, Constraint, ParamSpec, ParamType};

/// A type a path, query, header or cookie parameter can have.
pub trait Param: Sized {
    /// The type the host parses the text into.
    const KIND: ParamType;
    /// Whether an absent value is a 422 `missing` error.
    const REQUIRED: bool = true;
    /// Whether every value is taken, as a list (`Vec<T>`).
    const REPEATED: bool = false;
    /// The only values allowed (a `#[choice]` enum's).
    fn choices() -> Option<Choices> {
        None
    }
    /// Converts the host's value; `None` if it does not fit.
    fn from_value(value: ParamValue) -> Option<Self>;
    /// Converts a default value for the route table.
    fn into_value(self) -> ParamValue;
}

macro_rules! scalar_param {
    ($ty:ty, $kind:ident, $case:ident, $repeated:literal) => {
        impl Param for $ty {
            const KIND: ParamType = ParamType::$kind;
            const REPEATED: bool = $repeated;
            fn from_value(value: ParamValue) -> Option<Self> {
                match value {
                    ParamValue::$case(v) => Some(v),
                    _ => None,
                }
            }
            fn into_value(self) -> ParamValue {
                ParamValue::$case(self)
            }
        }
    };
}

scalar_param!(i64, Int, Int, false);
scalar_param!(f64, Float, Float, false);
scalar_param!(bool, Boolean, Boolean, false);
scalar_param!(String, Text, Text, false);
scalar_param!(Vec<i64>, Int, Ints, true);
scalar_param!(Vec<f64>, Float, Floats, true);
scalar_param!(Vec<bool>, Boolean, Booleans, true);
scalar_param!(Vec<String>, Text, Texts, true);

impl<T: Param> Param for Option<T> {
    const KIND: ParamType = T::KIND;
    const REQUIRED: bool = false;
    const REPEATED: bool = T::REPEATED;
    fn choices() -> Option<Choices> {
        T::choices()
    }
    fn from_value(value: ParamValue) -> Option<Self> {
        match value {
            ParamValue::None => Some(None),
            value => T::from_value(value).map(Some),
        }
    }
    fn into_value(self) -> ParamValue {
        self.map_or(ParamValue::None, T::into_value)
    }
}

/// A UUID in any form pydantic accepts; the host passes it canonical.
impl Param for uuid::Uuid {
    const KIND: ParamType = ParamType::Uuid;
    fn from_value(value: ParamValue) -> Option<Self> {
        match value {
            ParamValue::Text(text) => uuid::Uuid::parse_str(&text).ok(),
            _ => None,
        }
    }
    fn into_value(self) -> ParamValue {
        ParamValue::Text(self.hyphenated().to_string())
    }
}

/// A wrapper that names where a parameter is read from; it carries its
/// value's kind, defaults and choices.
macro_rules! source_wrapper {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name<T>(pub T);

        impl<T: Param> Param for $name<T> {
            const KIND: ParamType = T::KIND;
            const REQUIRED: bool = T::REQUIRED;
            const REPEATED: bool = T::REPEATED;
            fn choices() -> Option<Choices> {
                T::choices()
            }
            fn from_value(value: ParamValue) -> Option<Self> {
                T::from_value(value).map($name)
            }
            fn into_value(self) -> ParamValue {
                self.0.into_value()
            }
        }
    };
}

source_wrapper!(
    /// A parameter read from the request header named like the argument, with
    /// underscores as dashes (`x_token: Header<String>` reads `x-token`).
    Header
);

source_wrapper!(
    /// A parameter read from the cookie named like the argument
    /// (`session: Cookie<String>` reads the `session` cookie).
    Cookie
);

source_wrapper!(
    /// A field of a form body (urlencoded or multipart), parsed by the host:
    /// `username: Form<String>` reads the field `username`; `Form<Vec<u8>>` its
    /// bytes (a file's content or a text field's).
    Form
);

/// A file part of a multipart form, as FastAPI's `UploadFile`: an argument
/// of this type (or `Option<UploadFile>`, `Vec<UploadFile>`) reads the file
/// field of its name.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UploadFile {
    /// The part's file name.
    pub filename: Option<String>,
    /// The part's `Content-Type`.
    pub content_type: Option<String>,
    /// The content.
    pub data: Vec<u8>,
}

impl UploadFile {
    fn from_wit(upload: crate::bindings::fasterapi::http::types::Upload) -> UploadFile {
        UploadFile { filename: upload.filename, content_type: upload.content_type, data: upload.data }
    }
}

impl Param for UploadFile {
    const KIND: ParamType = ParamType::File;
    fn from_value(value: ParamValue) -> Option<Self> {
        match value {
            ParamValue::File(upload) => Some(UploadFile::from_wit(upload)),
            _ => None,
        }
    }
    fn into_value(self) -> ParamValue {
        ParamValue::None // a file has no default
    }
}

impl Param for Vec<UploadFile> {
    const KIND: ParamType = ParamType::File;
    const REPEATED: bool = true;
    fn from_value(value: ParamValue) -> Option<Self> {
        match value {
            ParamValue::Files(uploads) => Some(uploads.into_iter().map(UploadFile::from_wit).collect()),
            _ => None,
        }
    }
    fn into_value(self) -> ParamValue {
        ParamValue::None
    }
}

/// A form field's bytes (with `Form<Vec<u8>>`).
impl Param for Vec<u8> {
    const KIND: ParamType = ParamType::Bytes;
    fn from_value(value: ParamValue) -> Option<Self> {
        match value {
            ParamValue::File(upload) => Some(upload.data),
            _ => None,
        }
    }
    fn into_value(self) -> ParamValue {
        ParamValue::None
    }
}

/// The spec of one argument of type `T`.
pub fn param_spec<T: Param>(
    name: &str,
    source: ParamSource,
    default: Option<ParamValue>,
    mut constraints: Vec<Constraint>,
) -> ParamSpec {
    constraints.extend(T::choices().map(Constraint::OneOf));
    ParamSpec {
        name: name.into(),
        source,
        kind: T::KIND,
        required: T::REQUIRED && default.is_none(),
        default,
        description: None,
        title: None,
        repeated: T::REPEATED,
        unique: false,
        constraints,
        schema_extra: None,
    }
}

/// Takes the next argument the host passed.
pub fn arg<T: Param>(args: &mut impl Iterator<Item = ParamValue>) -> Option<T> {
    T::from_value(args.next()?)
}
