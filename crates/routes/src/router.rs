//! Path and method matching for one app, on a matchit radix tree: a route,
//! or a 405 with the path's methods, or a 404.

use crate::spec::{Method, RouteSpec, SpecError};

/// What a request's path and method matched.
#[derive(Debug)]
pub enum Lookup<'r, 'p> {
    /// A route matched.
    Found {
        /// The route's index in the app's table.
        route: usize,
        /// The path's parameters, by template name.
        params: matchit::Params<'r, 'p>,
    },
    /// The path exists, but not for this method (a 405).
    MethodNotAllowed {
        /// The `Allow` header: the path's methods.
        allow: &'r str,
    },
    /// No route has this path, but one has it with the trailing slash
    /// added or removed: Starlette's `redirect_slashes` answers 307 there.
    RedirectSlash,
    /// No route has this path (a 404).
    NotFound,
}

/// The routes that share one path template.
#[derive(Debug)]
struct PathEntry {
    routes: Vec<(Method, usize)>,
    /// The `Allow` header value for a 405 on this path.
    allow: String,
}

/// Matches request paths and methods to an app's routes.
#[derive(Debug, Default)]
pub struct Router {
    tree: matchit::Router<usize>,
    entries: Vec<PathEntry>,
}

impl Router {
    /// Builds the router; the table must have passed `spec::validate_routes`.
    pub fn new(routes: &[RouteSpec]) -> Result<Router, SpecError> {
        let mut router = Router::default();
        let mut by_template: Vec<&str> = Vec::new();
        for (index, route) in routes.iter().enumerate() {
            let entry = match by_template.iter().position(|t| *t == route.path) {
                Some(entry) => entry,
                None => {
                    let entry = router.entries.len();
                    router.tree.insert(route.path.as_str(), entry).map_err(|err| SpecError::Template {
                        method: route.method,
                        path: route.path.clone(),
                        reason: err.to_string(),
                    })?;
                    router.entries.push(PathEntry { routes: Vec::new(), allow: String::new() });
                    by_template.push(&route.path);
                    entry
                }
            };
            router.entries[entry].routes.push((route.method, index));
        }
        for entry in &mut router.entries {
            let mut methods: Vec<&str> = Vec::new();
            for (method, _) in &entry.routes {
                if !methods.contains(&method.as_str()) {
                    methods.push(method.as_str());
                }
            }
            entry.allow = methods.join(", ");
        }
        Ok(router)
    }

    /// Finds the route for a (percent-decoded) path and a method. Of two
    /// routes with the same method and path, the first serves (as in FastAPI).
    pub fn lookup<'r, 'p>(&'r self, method: Option<Method>, path: &'p str) -> Lookup<'r, 'p> {
        let Ok(matched) = self.tree.at(path) else {
            return if self.has_other_slash(path) { Lookup::RedirectSlash } else { Lookup::NotFound };
        };
        let entry = &self.entries[*matched.value];
        match entry.routes.iter().find(|(m, _)| Some(*m) == method) {
            Some(&(_, route)) => Lookup::Found { route, params: matched.params },
            None => Lookup::MethodNotAllowed { allow: &entry.allow },
        }
    }
}

impl Router {
    /// Whether `path` with its trailing slash toggled has a route.
    fn has_other_slash(&self, path: &str) -> bool {
        if path == "/" {
            return false;
        }
        match path.strip_suffix('/') {
            Some(without) => self.tree.at(without).is_ok(),
            None => self.tree.at(&format!("{path}/")).is_ok(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{ParamKind, ParamSource, ParamSpec};

    fn route(method: Method, path: &str) -> RouteSpec {
        let params = crate::template::template_params(path)
            .unwrap()
            .iter()
            .map(|name| ParamSpec::required(name, ParamSource::Path, ParamKind::Text))
            .collect();
        RouteSpec::new(method, path, "h", params)
    }

    fn router() -> Router {
        Router::new(&[
            route(Method::Get, "/users/{id}"),
            route(Method::Get, "/items"),
            route(Method::Post, "/items"),
            route(Method::Get, "/files/{*rest}"),
        ])
        .unwrap()
    }

    #[test]
    fn finds_routes_and_params() {
        let router = router();
        match router.lookup(Some(Method::Get), "/users/42") {
            Lookup::Found { route, params } => {
                assert_eq!(route, 0);
                assert_eq!(params.get("id"), Some("42"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(router.lookup(Some(Method::Post), "/items"), Lookup::Found { route: 2, .. }));
        match router.lookup(Some(Method::Get), "/files/a/b.txt") {
            Lookup::Found { params, .. } => assert_eq!(params.get("rest"), Some("a/b.txt")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn wrong_method_lists_the_allowed_ones() {
        let router = router();
        assert!(matches!(
            router.lookup(Some(Method::Delete), "/items"),
            Lookup::MethodNotAllowed { allow: "GET, POST" }
        ));
        assert!(matches!(router.lookup(None, "/users/1"), Lookup::MethodNotAllowed { allow: "GET" }));
    }

    #[test]
    fn the_other_slash_is_a_redirect_and_the_first_of_twins_serves() {
        let router = Router::new(&[
            route(Method::Get, "/items"),
            route(Method::Get, "/items"),
            route(Method::Get, "/dir/"),
        ])
        .unwrap();
        assert!(matches!(router.lookup(Some(Method::Get), "/items"), Lookup::Found { route: 0, .. }));
        assert!(matches!(
            router.lookup(Some(Method::Post), "/items"),
            Lookup::MethodNotAllowed { allow: "GET" }
        ));
        assert!(matches!(router.lookup(Some(Method::Get), "/items/"), Lookup::RedirectSlash));
        assert!(matches!(router.lookup(Some(Method::Get), "/dir"), Lookup::RedirectSlash));
        assert!(matches!(router.lookup(Some(Method::Get), "/"), Lookup::NotFound));
    }

    #[test]
    fn unknown_paths_are_not_found() {
        let router = router();
        assert!(matches!(router.lookup(Some(Method::Get), "/nope"), Lookup::NotFound));
        assert!(matches!(router.lookup(Some(Method::Get), "/users/1/x"), Lookup::NotFound));
    }

    #[test]
    fn conflicting_templates_are_refused() {
        let err = Router::new(&[route(Method::Get, "/u/{a}"), route(Method::Post, "/u/{b}")]);
        assert!(matches!(err, Err(SpecError::Template { .. })));
    }
}
