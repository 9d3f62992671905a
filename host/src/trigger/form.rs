//! Form bodies — `application/x-www-form-urlencoded` and
//! `multipart/form-data` (with `multer`) — parsed into the fields a route's
//! form parameters read, with Starlette's limits.

use bytes::Bytes;
use fasterapi_routes::extract::{Form, FormValue};
use fasterapi_routes::value::Upload;

/// At most this many file parts, and this many text fields (Starlette's
/// `max_files`, `max_fields`).
const MAX_FILES: usize = 1000;
const MAX_FIELDS: usize = 1000;
/// The largest text field of a multipart form (Starlette's `max_part_size`).
/// Files are bounded by the app's `max_body`.
const MAX_FIELD_SIZE: usize = 1 << 20;

/// A form body that cannot be parsed: a 400 whose `detail` is Starlette's.
#[derive(Debug, thiserror::Error)]
pub(crate) enum FormError {
    /// The multipart body is malformed.
    #[error("malformed multipart body: {0}")]
    Multipart(#[from] multer::Error),
    /// A multipart content type without a boundary.
    #[error("Missing boundary in multipart.")]
    NoBoundary,
    /// A part without a name.
    #[error("The Content-Disposition header field \"name\" must be provided.")]
    NoName,
    /// Over a limit.
    #[error("{0}")]
    Limit(&'static str),
}

impl FormError {
    /// The answer's `detail`, as Starlette words it.
    pub(crate) fn detail(&self) -> String {
        match self {
            FormError::Multipart(_) => "Invalid multipart data.".into(),
            other => other.to_string(),
        }
    }
}

/// The fields of `body` as its `content_type` says; a body of any other type
/// has none (as Starlette reads it).
pub(crate) async fn parse(content_type: Option<&str>, body: Bytes) -> Result<Form, FormError> {
    let essence = content_type.and_then(|ct| ct.split(';').next()).map(|e| e.trim().to_ascii_lowercase());
    match essence.as_deref() {
        Some("application/x-www-form-urlencoded") => Ok(urlencoded(&body)),
        Some("multipart/form-data") => {
            let boundary =
                content_type.and_then(|ct| multer::parse_boundary(ct).ok()).ok_or(FormError::NoBoundary)?;
            multipart(body, boundary).await
        }
        _ => Ok(Form::default()),
    }
}

fn urlencoded(body: &[u8]) -> Form {
    let fields = form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), FormValue::Text(v.into_owned())))
        .collect();
    Form { fields }
}

async fn multipart(body: Bytes, boundary: String) -> Result<Form, FormError> {
    let stream = futures_util::stream::once(async move { Ok::<Bytes, std::convert::Infallible>(body) });
    let mut parts = multer::Multipart::new(stream, boundary);
    let (mut form, mut files, mut texts) = (Form::default(), 0, 0);
    while let Some(part) = parts.next_field().await? {
        let name = part.name().ok_or(FormError::NoName)?.to_owned();
        let filename = part.file_name().map(str::to_owned);
        let content_type = part.content_type().map(ToString::to_string);
        let data = part.bytes().await?;
        let value = match filename {
            Some(filename) => {
                files += 1;
                FormValue::File(Upload { filename: Some(filename), content_type, data: data.to_vec() })
            }
            None if data.len() > MAX_FIELD_SIZE => {
                return Err(FormError::Limit("Part exceeded maximum size of 1024KB."));
            }
            None => {
                texts += 1;
                FormValue::Text(String::from_utf8_lossy(&data).into_owned())
            }
        };
        if files > MAX_FILES {
            return Err(FormError::Limit("Too many files. Maximum number of files is 1000."));
        }
        if texts > MAX_FIELDS {
            return Err(FormError::Limit("Too many fields. Maximum number of fields is 1000."));
        }
        form.fields.push((name, value));
    }
    Ok(form)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn urlencoded_and_multipart_bodies_give_their_fields() {
        let form = parse(Some("application/x-www-form-urlencoded"), Bytes::from_static(b"a=1&b=x+y&a="))
            .await
            .unwrap();
        assert_eq!(form.fields[1], ("b".into(), FormValue::Text("x y".into())));
        assert_eq!(form.fields[2], ("a".into(), FormValue::Text(String::new())));

        let body = "--XX\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n--XX\r\n\
                    Content-Disposition: form-data; name=\"up\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\n\
                    data\r\n--XX--\r\n";
        let form = parse(Some("multipart/form-data; boundary=XX"), Bytes::from(body)).await.unwrap();
        assert_eq!(form.fields[0], ("note".into(), FormValue::Text("hi".into())));
        let upload = Upload {
            filename: Some("a.txt".into()),
            content_type: Some("text/plain".into()),
            data: b"data".to_vec(),
        };
        assert_eq!(form.fields[1], ("up".into(), FormValue::File(upload)));

        assert!(parse(Some("application/json"), Bytes::from_static(b"{}")).await.unwrap().fields.is_empty());
        assert!(matches!(parse(Some("multipart/form-data"), Bytes::new()).await, Err(FormError::NoBoundary)));
        assert!(
            parse(Some("multipart/form-data; boundary=XX"), Bytes::from_static(b"garbage")).await.is_err()
        );
        let big = format!(
            "--XX\r\nContent-Disposition: form-data; name=\"n\"\r\n\r\n{}\r\n--XX--\r\n",
            "x".repeat(MAX_FIELD_SIZE + 1)
        );
        let err = parse(Some("multipart/form-data; boundary=XX"), Bytes::from(big)).await.unwrap_err();
        assert_eq!(err.detail(), "Part exceeded maximum size of 1024KB.");
    }
}
