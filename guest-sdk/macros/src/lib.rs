//! Procedural macros of the FasterAPI Rust guest SDK: route attributes that
//! derive typed parameter specs from a handler's signature, `#[model]` for
//! JSON bodies, and `app!` that registers handlers and exports the world.

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::{format_ident, quote};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Error, Expr, FnArg, Ident, ItemFn, ItemStruct, LitInt, LitStr, Pat, Path, Token, Type};

/// `#[get("/users/{user_id}")]`: declares a GET route.
///
/// Options after the path: `status = 201` (the success status),
/// `summary = "..."`, `tags = ["users"]`, `deprecated = true`,
/// `include_in_schema = false`, `response = Model` (documents the success
/// body). The doc comment is the operation's description in `/openapi.json`.
#[proc_macro_attribute]
pub fn get(args: TokenStream, item: TokenStream) -> TokenStream {
    route("Get", args, item)
}

/// `#[post("/items", status = 201)]`: declares a POST route.
#[proc_macro_attribute]
pub fn post(args: TokenStream, item: TokenStream) -> TokenStream {
    route("Post", args, item)
}

/// `#[put("/items/{id}")]`: declares a PUT route.
#[proc_macro_attribute]
pub fn put(args: TokenStream, item: TokenStream) -> TokenStream {
    route("Put", args, item)
}

/// `#[patch("/items/{id}")]`: declares a PATCH route.
#[proc_macro_attribute]
pub fn patch(args: TokenStream, item: TokenStream) -> TokenStream {
    route("Patch", args, item)
}

/// `#[delete("/items/{id}")]`: declares a DELETE route.
#[proc_macro_attribute]
pub fn delete(args: TokenStream, item: TokenStream) -> TokenStream {
    route("Delete", args, item)
}

/// Marks a struct as a JSON body model: derives serde and pydantic-style
/// validation. `Option<T>` fields and fields with `#[serde(default)]` may be
/// absent; every other field is required.
#[proc_macro_attribute]
pub fn model(args: TokenStream, item: TokenStream) -> TokenStream {
    if !args.is_empty() {
        return Error::new(Span::call_site(), "#[model] takes no arguments").to_compile_error().into();
    }
    let item = syn::parse_macro_input!(item as ItemStruct);
    model_impl(item).unwrap_or_else(Error::into_compile_error).into()
}

/// Makes a fieldless enum a parameter type whose values are its variants:
/// the host accepts only those (pydantic's `enum` error otherwise) and
/// documents them as a named schema, as FastAPI does for an `Enum`. A
/// variant's value is its name in snake_case, or `#[value("...")]`.
#[proc_macro_attribute]
pub fn choice(args: TokenStream, item: TokenStream) -> TokenStream {
    if !args.is_empty() {
        return Error::new(Span::call_site(), "#[choice] takes no arguments").to_compile_error().into();
    }
    let item = syn::parse_macro_input!(item as syn::ItemEnum);
    choice_impl(item).unwrap_or_else(Error::into_compile_error).into()
}

fn choice_impl(mut item: syn::ItemEnum) -> syn::Result<TokenStream2> {
    let mut idents = Vec::new();
    let mut values = Vec::new();
    for variant in &mut item.variants {
        if !matches!(variant.fields, syn::Fields::Unit) {
            return Err(Error::new(variant.span(), "a #[choice] enum has only unit variants"));
        }
        let mut value = snake_case(&variant.ident.to_string());
        let mut kept = Vec::new();
        for attr in variant.attrs.drain(..) {
            if attr.path().is_ident("value") {
                value = attr.parse_args::<LitStr>()?.value();
            } else {
                kept.push(attr);
            }
        }
        variant.attrs = kept;
        idents.push(variant.ident.clone());
        values.push(value);
    }
    let name = &item.ident;
    let name_text = name.to_string();
    let description = doc_text(&item.attrs);
    let private = quote!(::fasterapi::__private);
    Ok(quote! {
        #item

        impl #name {
            /// The variant's value on the wire.
            pub fn as_str(&self) -> &'static str {
                match self { #(Self::#idents => #values,)* }
            }
        }

        impl ::fasterapi::Param for #name {
            const KIND: #private::ParamType = #private::ParamType::Text;
            fn choices() -> ::core::option::Option<#private::Choices> {
                ::core::option::Option::Some(#private::Choices {
                    values: ::std::vec![#(#private::ParamValue::Text(::std::string::String::from(#values))),*],
                    literal: false,
                    name: ::core::option::Option::Some(::std::string::String::from(#name_text)),
                    description: #private::doc(#description),
                })
            }
            fn from_value(value: #private::ParamValue) -> ::core::option::Option<Self> {
                match value {
                    #private::ParamValue::Text(text) => match text.as_str() {
                        #(#values => ::core::option::Option::Some(Self::#idents),)*
                        _ => ::core::option::Option::None,
                    },
                    _ => ::core::option::Option::None,
                }
            }
            fn into_value(self) -> #private::ParamValue {
                #private::ParamValue::Text(::std::string::String::from(self.as_str()))
            }
        }

        impl #private::serde::Serialize for #name {
            fn serialize<S: #private::serde::Serializer>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
    })
}

/// `ResNet50` -> `res_net50`.
fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `fasterapi::app!(get_user, create_item);`: registers the handlers, in
/// that order, and exports the app's WIT world.
#[proc_macro]
pub fn app(input: TokenStream) -> TokenStream {
    let paths = syn::parse_macro_input!(input with Punctuated::<Path, Token![,]>::parse_terminated);
    app_impl(paths.into_iter().collect()).unwrap_or_else(Error::into_compile_error).into()
}

/// The arguments of a route attribute: a path template, then options.
struct RouteArgs {
    path: LitStr,
    status: Option<LitInt>,
    /// The OpenAPI summary; the handler's name in title case by default.
    summary: Option<LitStr>,
    tags: Vec<LitStr>,
    deprecated: bool,
    include_in_schema: bool,
    /// A `#[model]` type documented as the success response body.
    response: Option<Type>,
}

impl Parse for RouteArgs {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let path: LitStr = input.parse()?;
        let mut args = RouteArgs {
            path,
            status: None,
            summary: None,
            tags: Vec::new(),
            deprecated: false,
            include_in_schema: true,
            response: None,
        };
        while input.parse::<Option<Token![,]>>()?.is_some() && !input.is_empty() {
            let key: Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            match key.to_string().as_str() {
                "status" => args.status = Some(input.parse()?),
                "summary" => args.summary = Some(input.parse()?),
                "tags" => {
                    let content;
                    syn::bracketed!(content in input);
                    args.tags =
                        Punctuated::<LitStr, Token![,]>::parse_terminated(&content)?.into_iter().collect();
                }
                "deprecated" => args.deprecated = input.parse::<syn::LitBool>()?.value,
                "include_in_schema" => args.include_in_schema = input.parse::<syn::LitBool>()?.value,
                "response" => args.response = Some(input.parse()?),
                _ => {
                    return Err(Error::new(
                        key.span(),
                        "unknown option; expected status, summary, tags, deprecated, include_in_schema or response",
                    ));
                }
            }
        }
        Ok(args)
    }
}

/// The text of an item's doc comments (`///`), one line per comment line.
fn doc_text(attrs: &[syn::Attribute]) -> String {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
        .map(|line| line.strip_prefix(' ').map(str::to_owned).unwrap_or(line))
        .collect();
    lines.join("\n").trim().to_owned()
}

/// A typed parameter from `source` (a `ParamSource` variant).
struct ParamArg {
    source: &'static str,
    wire_name: String,
    ty: Type,
    value_ty: Type,
    default: Option<Expr>,
    /// `Constraint` expressions from `#[query(ge = 1, ...)]`.
    constraints: Vec<TokenStream2>,
}

/// What `#[query(...)]`, `#[path(...)]`, `#[header(...)]` or `#[cookie(...)]`
/// on an argument says: its source, wire name and constraints.
#[derive(Default)]
struct ParamAttr {
    source: Option<(&'static str, proc_macro2::Span)>,
    alias: Option<String>,
    constraints: Vec<TokenStream2>,
}

const SOURCE_ATTRS: [(&str, &str); 5] =
    [("query", "Query"), ("path", "Path"), ("header", "Header"), ("cookie", "Cookie"), ("form", "Form")];

/// Removes the source attribute from an argument and reads it.
fn take_param_attr(attrs: &mut Vec<syn::Attribute>) -> syn::Result<ParamAttr> {
    let mut found = ParamAttr::default();
    let mut kept = Vec::new();
    for attr in attrs.drain(..) {
        let Some(&(_, source)) = SOURCE_ATTRS.iter().find(|(name, _)| attr.path().is_ident(name)) else {
            kept.push(attr);
            continue;
        };
        if found.source.is_some() {
            return Err(Error::new(attr.span(), "an argument has one source attribute"));
        }
        found.source = Some((source, attr.span()));
        if matches!(attr.meta, syn::Meta::Path(_)) {
            continue;
        }
        attr.parse_nested_meta(|meta| {
            let key = meta.path.get_ident().map(ToString::to_string).unwrap_or_default();
            let private = quote!(::fasterapi::__private);
            match key.as_str() {
                "alias" => found.alias = Some(meta.value()?.parse::<syn::LitStr>()?.value()),
                "gt" | "ge" | "lt" | "le" | "multiple_of" => {
                    let number = number_tokens(&meta.value()?.parse::<Expr>()?)?;
                    let variant = format_ident!(
                        "{}",
                        if key == "multiple_of" { "MultipleOf".to_owned() } else { capitalize(&key) }
                    );
                    found.constraints.push(quote!(#private::Constraint::#variant(#number)));
                }
                "min_length" | "max_length" | "max_digits" | "decimal_places" => {
                    let n = meta.value()?.parse::<syn::LitInt>()?.base10_parse::<u32>()?;
                    let variant = format_ident!(
                        "{}",
                        match key.as_str() {
                            "min_length" => "MinLength",
                            "max_length" => "MaxLength",
                            "max_digits" => "MaxDigits",
                            _ => "DecimalPlaces",
                        }
                    );
                    found.constraints.push(quote!(#private::Constraint::#variant(#n)));
                }
                "pattern" => {
                    let pattern = meta.value()?.parse::<syn::LitStr>()?;
                    found
                        .constraints
                        .push(quote!(#private::Constraint::Pattern(::std::string::String::from(#pattern))));
                }
                _ => {
                    return Err(meta.error(
                        "expected alias, gt, ge, lt, le, multiple_of, max_digits, decimal_places, min_length, max_length or pattern",
                    ));
                }
            }
            Ok(())
        })?;
    }
    *attrs = kept;
    Ok(found)
}

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
}

/// `1`, `-1`, `0.5`: a `Number` that stays an int or a float, as written.
fn number_tokens(expr: &Expr) -> syn::Result<TokenStream2> {
    let private = quote!(::fasterapi::__private);
    let (negative, lit) = match expr {
        Expr::Unary(syn::ExprUnary { op: syn::UnOp::Neg(_), expr, .. }) => (true, &**expr),
        other => (false, other),
    };
    let sign = if negative { quote!(-) } else { quote!() };
    match lit {
        Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(int), .. }) => {
            let value = int.base10_parse::<i64>()?;
            Ok(quote!(#private::Number::Int(#sign #value)))
        }
        Expr::Lit(syn::ExprLit { lit: syn::Lit::Float(float), .. }) => {
            let value = float.base10_parse::<f64>()?;
            Ok(quote!(#private::Number::Float(#sign #value)))
        }
        _ => Err(Error::new(expr.span(), "a bound is a number literal (`1`, `-2`, `0.5`)")),
    }
}

/// How one handler argument is filled.
enum ArgKind {
    Param(Box<ParamArg>),
    /// The JSON body (or, with several, the key of its name).
    Body {
        ty: Box<Type>,
        /// The argument's name: `item: Json<Item>` or `Json(item): Json<Item>`.
        name: Option<String>,
    },
    /// `&Request`.
    Request,
}

fn route(method: &str, args: TokenStream, item: TokenStream) -> TokenStream {
    let args = syn::parse_macro_input!(args as RouteArgs);
    let item = syn::parse_macro_input!(item as ItemFn);
    route_impl(method, args, item).unwrap_or_else(Error::into_compile_error).into()
}

fn route_impl(method: &str, args: RouteArgs, mut item: ItemFn) -> syn::Result<TokenStream2> {
    let template = args.path.value();
    let path_names = template_names(&template).map_err(|msg| Error::new(args.path.span(), msg))?;
    let mut kinds = Vec::new();
    for input in item.sig.inputs.iter_mut() {
        let FnArg::Typed(arg) = input else {
            return Err(Error::new(input.span(), "handlers are plain functions, not methods"));
        };
        let name = match &*arg.pat {
            Pat::Ident(ident) => Some(ident.ident.to_string()),
            _ => None,
        };
        let default = take_default(&mut arg.attrs)?;
        let attr = take_param_attr(&mut arg.attrs)?;
        kinds.push(classify(name.as_deref(), &arg.pat, &arg.ty, default, attr, &path_names)?);
    }
    for name in &path_names {
        let declared = kinds
            .iter()
            .any(|k| matches!(k, ArgKind::Param(p) if p.source == "Path" && p.wire_name == *name));
        if !declared {
            let msg = format!("the path has {{{name}}} but the handler has no argument `{name}`");
            return Err(Error::new(args.path.span(), msg));
        }
    }
    let bodies = kinds.iter().filter(|k| matches!(k, ArgKind::Body { .. })).count();
    if bodies > 1 && kinds.iter().any(|k| matches!(k, ArgKind::Body { name: None, .. })) {
        let msg = "with several Json bodies, name each (`item: Json<Item>` or `Json(item): Json<Item>`): the name is its key";
        return Err(Error::new(item.sig.span(), msg));
    }
    let status = match &args.status {
        Some(status) => status.base10_parse::<u16>()?,
        None => 200,
    };
    let docs = docs_tokens(&args, status, &item);
    Ok(handler_tokens(method, &template, status, docs, &item, &kinds))
}

/// Removes `#[default(expr)]` from an argument and returns the expression.
fn take_default(attrs: &mut Vec<syn::Attribute>) -> syn::Result<Option<Expr>> {
    let mut default = None;
    let mut kept = Vec::new();
    for attr in attrs.drain(..) {
        if attr.path().is_ident("default") {
            default = Some(attr.parse_args::<Expr>()?);
        } else {
            kept.push(attr);
        }
    }
    *attrs = kept;
    Ok(default)
}

fn classify(
    name: Option<&str>,
    pat: &Pat,
    ty: &Type,
    default: Option<Expr>,
    attr: ParamAttr,
    path_names: &[String],
) -> syn::Result<ArgKind> {
    if let Type::Reference(reference) = ty {
        if last_segment(&reference.elem).is_some_and(|s| s.ident == "Request") {
            return Ok(ArgKind::Request);
        }
        return Err(Error::new(ty.span(), "the only reference a handler can take is `&Request`"));
    }
    let is_json = |ty: &Type| last_segment(ty).is_some_and(|s| s.ident == "Json");
    if is_json(ty) || generic_arg(ty, "Option").is_some_and(is_json) {
        if default.is_some() {
            return Err(Error::new(ty.span(), "a Json body cannot have a #[default]"));
        }
        let name = name.map(str::to_owned).or_else(|| match pat {
            // `Json(item)`: the name inside the pattern.
            Pat::TupleStruct(tuple) => match tuple.elems.first() {
                Some(Pat::Ident(ident)) if tuple.elems.len() == 1 => Some(ident.ident.to_string()),
                _ => None,
            },
            _ => None,
        });
        return Ok(ArgKind::Body { ty: Box::new(ty.clone()), name });
    }
    // A parameter's name is its wire name, so it must be a plain identifier.
    let Some(name) = name else {
        return Err(Error::new(pat.span(), "name a parameter with a plain identifier"));
    };
    let (source, value_ty) = if let Some(inner) = generic_arg(ty, "Header") {
        ("Header", inner.clone())
    } else if let Some(inner) = generic_arg(ty, "Cookie") {
        ("Cookie", inner.clone())
    } else if let Some(inner) = generic_arg(ty, "Form") {
        ("Form", inner.clone())
    } else if quote!(#ty).to_string().contains("UploadFile") {
        ("Form", ty.clone())
    } else if path_names.iter().any(|p| p == name) {
        ("Path", ty.clone())
    } else {
        (attr.source.map_or("Query", |(source, _)| source), ty.clone())
    };
    if let Some((declared, span)) = attr.source.filter(|(declared, _)| *declared != source) {
        let msg = format!(
            "`{name}` is a {} parameter, not a {} one",
            source.to_lowercase(),
            declared.to_lowercase()
        );
        return Err(Error::new(span, msg));
    }
    let wire_name = match (attr.alias, source) {
        (Some(alias), _) => alias,
        (None, "Header") => name.replace('_', "-"),
        (None, _) => name.to_owned(),
    };
    if source == "Path" && (default.is_some() || generic_arg(ty, "Option").is_some()) {
        return Err(Error::new(ty.span(), "a path parameter is always required"));
    }
    let constraints = attr.constraints;
    Ok(ArgKind::Param(Box::new(ParamArg {
        source,
        wire_name,
        ty: ty.clone(),
        value_ty,
        default,
        constraints,
    })))
}

fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(path) => path.path.segments.last(),
        _ => None,
    }
}

/// `T` of `Wrapper<T>` when `ty`'s last segment is `wrapper`.
fn generic_arg<'t>(ty: &'t Type, wrapper: &str) -> Option<&'t Type> {
    let segment = last_segment(ty).filter(|s| s.ident == wrapper)?;
    match &segment.arguments {
        syn::PathArguments::AngleBracketed(args) => args.args.iter().find_map(|arg| match arg {
            syn::GenericArgument::Type(ty) => Some(ty),
            _ => None,
        }),
        _ => None,
    }
}

/// FastAPI's default operation id: the handler's name and path with every
/// non-word character as `_`, then the method (`create_order_orders_post`).
fn operation_id(name: &str, template: &str, method: &str) -> String {
    let raw = format!("{name}{}", template.replace("{*", "{"));
    let word: String = raw.chars().map(|c| if c.is_alphanumeric() || c == '_' { c } else { '_' }).collect();
    format!("{word}_{}", method.to_ascii_lowercase())
}

/// The `{name}` and `{*name}` parameters of a matchit template, by the
/// host's own template parser (`fasterapi-routes`), so that a path the
/// macro accepts is one the host accepts.
fn template_names(template: &str) -> Result<Vec<String>, String> {
    if !template.starts_with('/') {
        return Err("a route path must start with '/'".into());
    }
    fasterapi_routes::template::template_params(template).map_err(|err| format!("invalid route path: {err}"))
}

/// The route's `RouteDocs`: the attribute's options, the doc comment, and
/// the media type of what the handler returns.
fn docs_tokens(args: &RouteArgs, status: u16, item: &ItemFn) -> TokenStream2 {
    let private = quote!(::fasterapi::__private);
    let summary = match &args.summary {
        Some(summary) => quote!(::core::option::Option::Some(#summary.into())),
        None => quote!(::core::option::Option::None),
    };
    let description = doc_text(&item.attrs);
    let tags = &args.tags;
    let deprecated = args.deprecated || item.attrs.iter().any(|a| a.path().is_ident("deprecated"));
    let include = args.include_in_schema;
    let media_type = match &item.sig.output {
        syn::ReturnType::Type(_, ty) if !matches!(**ty, Type::ImplTrait(_)) => {
            quote!(<#ty as ::fasterapi::IntoResponse>::MEDIA_TYPE)
        }
        _ => quote!("application/json"),
    };
    let response_schema = match &args.response {
        Some(ty) => quote!(::core::option::Option::Some(#private::schema_of::<#ty>())),
        None => quote!(::core::option::Option::None),
    };
    quote! {
        #private::RouteDocs {
            summary: #summary,
            description: #private::doc(#description),
            tags: ::std::vec![#(::std::string::String::from(#tags)),*],
            deprecated: #deprecated,
            include_in_schema: #include,
            status: #status,
            response_media_type: #media_type.into(),
            response_schema: #response_schema,
            security: ::core::option::Option::None,
            responses: ::core::option::Option::None,
        }
    }
}

fn handler_tokens(
    method: &str,
    template: &str,
    status: u16,
    docs: TokenStream2,
    item: &ItemFn,
    kinds: &[ArgKind],
) -> TokenStream2 {
    let fn_name = &item.sig.ident;
    let handler = format_ident!("__fasterapi_handler_{}", fn_name);
    let method_name = method;
    let method = format_ident!("{}", method);
    let private = quote!(::fasterapi::__private);
    let mut specs = Vec::new();
    let mut body_spec = quote!(::core::option::Option::None);
    let mut body_check = quote!(::fasterapi::Response::new(204));
    let mut bindings = Vec::new();
    let mut call_args = Vec::new();
    // Several Json arguments are the keys of one JSON object, as in FastAPI.
    let embedded = kinds.iter().filter(|k| matches!(k, ArgKind::Body { .. })).count() > 1;
    let (mut embedded_parts, mut embedded_takes, mut embedded_unwraps) = (Vec::new(), Vec::new(), Vec::new());
    for (index, kind) in kinds.iter().enumerate() {
        let var = format_ident!("__arg{}", index);
        match kind {
            ArgKind::Param(param) => {
                let ParamArg { source, wire_name, ty, value_ty, default, constraints } = &**param;
                let source = format_ident!("{}", source);
                let default = match default {
                    Some(expr) => quote! {
                        ::core::option::Option::Some(<#value_ty as ::fasterapi::Param>::into_value({
                            let __default: #value_ty = #expr;
                            __default
                        }))
                    },
                    None => quote!(::core::option::Option::None),
                };
                specs.push(quote! {
                    #private::param_spec::<#ty>(
                        #wire_name,
                        #private::ParamSource::#source,
                        #default,
                        ::std::vec![#(#constraints),*],
                    )
                });
                bindings.push(quote! {
                    let ::core::option::Option::Some(#var) = #private::arg::<#ty>(&mut __args) else {
                        return #private::contract_violation();
                    };
                });
                call_args.push(quote!(#var));
            }
            ArgKind::Body { ty, name: Some(name) } if embedded => {
                embedded_parts.push(quote!((#name, <#ty as #private::FromBody>::REQUIRED, <#ty as #private::FromBody>::part_schema as fn(&mut #private::Schemas) -> #private::serde_json::Value)));
                embedded_takes.push(quote!(let #var = __embedded.take::<#ty>(#name);));
                embedded_unwraps.push(quote! {
                    let ::core::option::Option::Some(#var) = #var else {
                        return #private::contract_violation();
                    };
                });
                call_args.push(quote!(#var));
            }
            ArgKind::Body { ty, .. } => {
                body_spec = quote!(#private::json_body(
                    <#ty as #private::FromBody>::REQUIRED,
                    <#ty as #private::FromBody>::schema(),
                ));
                body_check = quote!(#private::check_body::<#ty>(__request));
                bindings.push(quote! {
                    let #var = match <#ty as #private::FromBody>::from_body(&__request) {
                        ::core::result::Result::Ok(body) => body,
                        ::core::result::Result::Err(response) => return response,
                    };
                });
                call_args.push(quote!(#var));
            }
            ArgKind::Request => call_args.push(quote!(&__request)),
        }
    }
    let fn_name_str = fn_name.to_string();
    if embedded {
        let operation_id = operation_id(&fn_name_str, template, method_name);
        body_spec = quote!(::core::option::Option::Some(#private::embedded_body(#operation_id, &[#(#embedded_parts),*])));
        let read = quote! {
            let mut __embedded = match #private::Embedded::read(&__request) {
                ::core::result::Result::Ok(embedded) => embedded,
                ::core::result::Result::Err(response) => return response,
            };
            #(#embedded_takes)*
        };
        body_check = quote! {
            #read
            match __embedded.finish() {
                ::core::result::Result::Ok(()) => ::fasterapi::Response::new(204),
                ::core::result::Result::Err(response) => response,
            }
        };
        bindings.push(quote! {
            #read
            if let ::core::result::Result::Err(response) = __embedded.finish() {
                return response;
            }
            #(#embedded_unwraps)*
        });
    }
    let raw_request = kinds.iter().any(|k| matches!(k, ArgKind::Request));
    quote! {
        #item

        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        pub(crate) struct #handler;

        impl #private::Handler for #handler {
            fn route() -> #private::Route {
                #private::Route {
                    method: #private::Method::#method,
                    path: #template.into(),
                    params: ::std::vec![#(#specs),*],
                    body: #body_spec,
                    name: #fn_name_str.into(),
                    raw_request: #raw_request,
                    models: ::std::vec::Vec::new(),
                    param_groups: ::std::vec::Vec::new(),
                    docs: #docs,
                }
            }

            fn validate(__request: &::fasterapi::Request) -> ::fasterapi::Response {
                #body_check
            }

            #[allow(unused_mut)]
            fn call(mut __request: ::fasterapi::Request) -> ::fasterapi::Response {
                let mut __args = __request.take_args();
                #(#bindings)*
                ::fasterapi::IntoResponse::into_response(#fn_name(#(#call_args),*), #status)
            }
        }
    }
}

fn model_impl(item: ItemStruct) -> syn::Result<TokenStream2> {
    let syn::Fields::Named(fields) = &item.fields else {
        return Err(Error::new(item.span(), "#[model] needs a struct with named fields"));
    };
    if !item.generics.params.is_empty() {
        return Err(Error::new(item.generics.span(), "#[model] structs cannot be generic"));
    }
    let name = &item.ident;
    let name_str = name.to_string();
    let description = doc_text(&item.attrs);
    let mut checks = Vec::new();
    let mut field_schemas = Vec::new();
    let mut required = Vec::new();
    for field in &fields.named {
        let ident = field.ident.as_ref().map(ToString::to_string).unwrap_or_default();
        let wire = serde_rename(&field.attrs)?.unwrap_or_else(|| ident.trim_start_matches("r#").to_owned());
        let has_default = has_serde_default(&field.attrs);
        let ty = &field.ty;
        if !has_default && generic_arg(ty, "Option").is_none() {
            required.push(wire.clone());
        }
        checks.push(quote! {
            __fields.field::<#ty>(#wire, #has_default, __loc, __errors);
        });
        let doc = doc_text(&field.attrs);
        let doc = if doc.is_empty() {
            quote!(::core::option::Option::None)
        } else {
            quote!(::core::option::Option::Some(#doc))
        };
        field_schemas.push(quote! {
            (#wire, <#ty as ::fasterapi::Model>::schema(__defs), #doc)
        });
    }
    Ok(quote! {
        #[derive(::fasterapi::__private::serde::Serialize, ::fasterapi::__private::serde::Deserialize)]
        #[serde(crate = "::fasterapi::__private::serde")]
        #item

        impl ::fasterapi::Model for #name {
            fn validate(
                __value: &mut ::fasterapi::__private::serde_json::Value,
                __loc: &mut ::fasterapi::Loc,
                __errors: &mut ::std::vec::Vec<::fasterapi::FieldError>,
            ) {
                let ::core::option::Option::Some(mut __fields) =
                    ::fasterapi::__private::Fields::new(__value, __loc, __errors, &[#(#required),*])
                else {
                    return;
                };
                #(#checks)*
            }

            fn schema(__defs: &mut ::fasterapi::Schemas) -> ::fasterapi::__private::serde_json::Value {
                let __description = if #description.is_empty() { ::core::option::Option::None } else { ::core::option::Option::Some(#description) };
                ::fasterapi::__private::model_schema(__defs, #name_str, __description, &[#(#required),*], |__defs| {
                    ::std::vec![#(#field_schemas),*]
                })
            }
        }
    })
}

/// The `rename` of `#[serde(rename = "...")]`, if any.
fn serde_rename(attrs: &[syn::Attribute]) -> syn::Result<Option<String>> {
    let mut rename = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                rename = Some(meta.value()?.parse::<LitStr>()?.value());
            } else if meta.input.peek(Token![=]) {
                meta.value()?.parse::<Expr>()?;
            }
            Ok(())
        })?;
    }
    Ok(rename)
}

fn has_serde_default(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().filter(|a| a.path().is_ident("serde")).any(|attr| {
        let mut found = false;
        let _ = attr.parse_nested_meta(|meta| {
            found |= meta.path.is_ident("default");
            if meta.input.peek(Token![=]) {
                meta.value()?.parse::<Expr>()?;
            }
            Ok(())
        });
        found
    })
}

fn app_impl(paths: Vec<Path>) -> syn::Result<TokenStream2> {
    if paths.is_empty() {
        return Err(Error::new(Span::call_site(), "app! needs at least one handler"));
    }
    let handlers: Vec<Path> = paths
        .into_iter()
        .map(|mut path| {
            if let Some(last) = path.segments.last_mut() {
                last.ident = format_ident!("__fasterapi_handler_{}", last.ident);
            }
            path
        })
        .collect();
    let private = quote!(::fasterapi::__private);
    Ok(quote! {
        #[doc(hidden)]
        struct __FasterApiApp;

        impl #private::Guest for __FasterApiApp {
            fn routes() -> ::std::vec::Vec<#private::Route> {
                ::std::vec![#(<#handlers as #private::Handler>::route()),*]
            }

            fn info() -> #private::AppInfo {
                #private::AppInfo {
                    title: ::core::option::Option::Some(::core::env!("CARGO_PKG_NAME").into()),
                    version: ::core::option::Option::Some(::core::env!("CARGO_PKG_VERSION").into()),
                    description: #private::doc(::core::env!("CARGO_PKG_DESCRIPTION")),
                    // A fresh Rust instance costs microseconds: isolation by default.
                    instances: ::core::option::Option::None,
                    handles_validation_errors: false,
                    middleware: ::std::vec::Vec::new(),
                    openapi_url: ::core::option::Option::Some("/openapi.json".into()),
                    docs_url: ::core::option::Option::Some("/docs".into()),
                    root_path: ::std::string::String::new(),
                    http_middleware: false,
                }
            }

            // Rust handlers leave no work behind their answers (yet).
            fn run_background() {}

            // Rust apps have no HTTP middleware of their own (yet).
            fn wrap(
                _request: #private::bindings::RawRequest,
                answer: #private::bindings::Response,
            ) -> #private::bindings::Response {
                answer
            }

            // Rust handlers answer whole bodies (yet).
            fn next_chunk() -> ::core::option::Option<::std::vec::Vec<u8>> {
                ::core::option::Option::None
            }

            fn handle(request: #private::bindings::Request) -> #private::bindings::Response {
                #private::dispatch(request, &[#((
                    <#handlers as #private::Handler>::call,
                    <#handlers as #private::Handler>::validate,
                )),*])
            }
        }

        #private::bindings::export!(__FasterApiApp with_types_in #private::bindings);
    })
}
