//! Parameter models (FastAPI's `Annotated[Model, Query()]`): FastAPI
//! validates the source's keys as one object, which shows in two errors —
//! a missing field's `input` is every key received, and a model with
//! `extra = "forbid"` refuses the keys it does not declare.

use std::collections::HashMap;

use serde_json::{Map, Value as Json, json};

use crate::extract::Form;
use crate::extract::FormValue;
use crate::params::{Loc, ValidationError};
use crate::spec::{ParamModel, ParamSource, RouteSpec};

/// A source's keys in order of first appearance, each with every value.
pub(crate) type Entries = Vec<(String, Vec<String>)>;

/// Adds the model errors of `route` to `errors` (each with its parameter's
/// group): `entries` gives a source's keys.
pub(crate) fn check(
    route: &RouteSpec,
    errors: &mut Vec<(u32, ValidationError)>,
    mut entries: impl FnMut(ParamSource) -> Entries,
) {
    for model in &route.models {
        let Some(&first) = model.fields.first() else { continue };
        let Some(source) = route.params.get(first).map(|p| p.source) else { continue };
        let group = route.group_of(first);
        let received = entries(source);
        let fields = Fields { route, model, source };
        let missing = |e: &ValidationError| {
            e.kind == "missing" && e.loc.source == source && e.loc.index.is_none() && fields.has(&e.loc.name)
        };
        if errors.iter().any(|(_, e)| missing(e)) {
            let input = fields.input(&received);
            errors.iter_mut().filter(|(_, e)| missing(e)).for_each(|(_, e)| e.input = input.clone());
        }
        if model.forbid_extra {
            for (key, values) in received.iter().filter(|(key, _)| !fields.has(key)) {
                errors.push((
                    group,
                    ValidationError {
                        kind: "extra_forbidden",
                        loc: Loc { source, name: key.clone(), index: None },
                        msg: "Extra inputs are not permitted".into(),
                        input: one_or_all(values),
                        ctx: None,
                    },
                ));
            }
        }
    }
}

/// The fields of one model.
struct Fields<'r> {
    route: &'r RouteSpec,
    model: &'r ParamModel,
    source: ParamSource,
}

impl Fields<'_> {
    fn specs(&self) -> impl Iterator<Item = &crate::spec::ParamSpec> {
        self.model.fields.iter().filter_map(|&i| self.route.params.get(i))
    }

    fn has(&self, key: &str) -> bool {
        self.specs().any(|p| p.name == key)
    }

    /// The object FastAPI validated: the model's keys found (a header's
    /// under its field's `_` name), then every other key received.
    fn input(&self, received: &Entries) -> Json {
        let mut object = Map::new();
        for spec in self.specs() {
            let Some((_, values)) = received.iter().find(|(key, _)| *key == spec.name) else { continue };
            let key = match self.source {
                ParamSource::Header => spec.name.replace('-', "_"),
                _ => spec.name.clone(),
            };
            let value = if spec.repeated { json!(values) } else { json!(values.last()) };
            object.insert(key, value);
        }
        for (key, values) in received.iter().filter(|(key, _)| !self.has(key)) {
            object.insert(key.clone(), one_or_all(values));
        }
        Json::Object(object)
    }
}

fn one_or_all(values: &[String]) -> Json {
    match values {
        [one] => json!(one),
        all => json!(all),
    }
}

/// Pairs grouped by key in order of first appearance.
pub(crate) fn grouped(pairs: impl IntoIterator<Item = (String, String)>) -> Entries {
    let mut entries: Entries = Vec::new();
    // Linear in the keys: a hostile query may hold thousands of them.
    let mut positions: HashMap<String, usize> = HashMap::new();
    for (key, value) in pairs {
        match positions.get(&key) {
            Some(&at) => entries[at].1.push(value),
            None => {
                positions.insert(key.clone(), entries.len());
                entries.push((key, vec![value]));
            }
        }
    }
    entries
}

/// Cookies are a dict: the last value of a name, at its first place.
pub(crate) fn cookie_entries(cookies: &[(String, String)]) -> Entries {
    let mut entries = grouped(cookies.iter().cloned());
    for (_, values) in &mut entries {
        values.drain(..values.len() - 1);
    }
    entries
}

/// A form's fields (a file by its name).
pub(crate) fn form_entries(form: &Form) -> Entries {
    grouped(form.fields.iter().map(|(name, value)| {
        let text = match value {
            FormValue::Text(text) => text.clone(),
            FormValue::File(upload) => upload.filename.clone().unwrap_or_default(),
        };
        (name.clone(), text)
    }))
}
