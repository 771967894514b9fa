//! The route table. Areas add their handlers here instead of calling actix directly, so that
//!
//! - every path becomes one actix resource holding all its methods, and a wrong method gets a
//!   problem+json 405 with an `Allow` header instead of actix's bare answer;
//! - static segments are registered before parameters at the same depth (`/v1/sales/imports`
//!   before `/v1/sales/{id}`), whatever order areas add them in;
//! - a handler is named once: [`routes!`](crate::routes) reads its method and path from its
//!   `#[utoipa::path]` annotation and keeps its operation for the OpenAPI document, so the
//!   route table and the document cannot disagree.

use std::collections::BTreeMap;

use actix_web::http::Method;
use actix_web::{FromRequest, Handler, Resource, Responder, web};

use utoipa::openapi::path::{HttpMethod, Operation};
use utoipa::openapi::{RefOr, schema::Schema};

use crate::error::AppError;

/// Mounts handlers annotated with `#[utoipa::path]`, each named once:
///
/// ```ignore
/// routes!(routes; handlers::list_influencers, handlers::create_influencer);
/// ```
///
/// The method and path come from the annotation, and so does the operation in the document.
#[macro_export]
macro_rules! routes {
    ($routes:expr; $($module:ident :: $handler:ident),+ $(,)?) => {
        ::pastey::paste! {
            $routes $(.documented::<$module::[<__path_ $handler>], _, _>($module::$handler))+
        }
    };
}

/// `Routes::get`, `Routes::post`, …: [`Routes::add`] with that method.
macro_rules! method_shortcuts {
    ($($name:ident => $method:ident),+ $(,)?) => {$(
        #[doc = concat!("Adds `handler` for ", stringify!($method), " on `path`.")]
        pub fn $name<F, Args>(&mut self, path: &str, handler: F) -> &mut Self
        where
            F: Handler<Args>,
            Args: FromRequest + 'static,
            F::Output: Responder + 'static,
        {
            self.add(Method::$method, path, handler)
        }
    )+};
}

/// One documented operation: where it is served and what the annotation says of it.
pub struct Documented {
    pub method: HttpMethod,
    pub path: String,
    pub operation: Operation,
}

struct Entry {
    resource: Resource,
    methods: Vec<Method>,
}

/// Routes collected from every area, mounted at once by [`Routes::mount`].
#[derive(Default)]
pub struct Routes {
    entries: BTreeMap<String, Entry>,
    documented: Vec<Documented>,
    schemas: Vec<(String, RefOr<Schema>)>,
}

impl Routes {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `handler` for `method` on `path` (actix path syntax, `{id}` for parameters, which is
    /// also OpenAPI's).
    pub fn add<F, Args>(&mut self, method: Method, path: &str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        let entry = self.entries.remove(path).unwrap_or_else(|| Entry {
            resource: web::resource(path),
            methods: Vec::new(),
        });
        let route = web::method(method.clone()).to(handler);
        let mut methods = entry.methods;
        methods.push(method);
        self.entries.insert(
            path.to_owned(),
            Entry {
                resource: entry.resource.route(route),
                methods,
            },
        );
        self
    }

    /// Adds `handler` at the method and path of its annotation `P` (the `__path_` type
    /// `#[utoipa::path]` generates) and keeps its operation and schemas for the document.
    /// Called through [`routes!`](crate::routes).
    pub fn documented<P, F, Args>(&mut self, handler: F) -> &mut Self
    where
        P: utoipa::Path + utoipa::__dev::SchemaReferences,
        F: Handler<Args> + Clone,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        let path = P::path();
        for method in P::methods() {
            self.add(actix_method(&method), &path, handler.clone());
            self.documented.push(Documented {
                method,
                path: path.clone(),
                operation: P::operation(),
            });
        }
        P::schemas(&mut self.schemas);
        self
    }

    /// The documented operations, in the order they were added.
    pub fn documented_operations(&self) -> &[Documented] {
        &self.documented
    }

    /// The schemas the documented operations refer to (with repeats).
    pub fn schemas(&self) -> &[(String, RefOr<Schema>)] {
        &self.schemas
    }

    method_shortcuts!(get => GET, post => POST, put => PUT, patch => PATCH, delete => DELETE);

    /// Every mounted (method, path), sorted.
    pub fn mounted(&self) -> Vec<(Method, String)> {
        let mut mounted: Vec<(Method, String)> = self
            .entries
            .iter()
            .flat_map(|(path, entry)| entry.methods.iter().map(move |m| (m.clone(), path.clone())))
            .collect();
        mounted.sort_by(|a, b| (&a.1, a.0.as_str()).cmp(&(&b.1, b.0.as_str())));
        mounted
    }

    /// Registers every resource on `cfg`.
    pub fn mount(self, cfg: &mut web::ServiceConfig) {
        // BTreeMap order puts `{` (parameters) after letters and digits, so static segments win.
        for (_, entry) in self.entries {
            let allow: Vec<&str> = entry.methods.iter().map(Method::as_str).collect();
            let allow = allow.join(", ");
            cfg.service(
                entry.resource.default_service(web::to(move || {
                    let allow = allow.clone();
                    async move {
                        Err::<actix_web::HttpResponse, _>(AppError::MethodNotAllowed { allow })
                    }
                })),
            );
        }
    }
}

fn actix_method(method: &HttpMethod) -> Method {
    match method {
        HttpMethod::Get => Method::GET,
        HttpMethod::Post => Method::POST,
        HttpMethod::Put => Method::PUT,
        HttpMethod::Delete => Method::DELETE,
        HttpMethod::Options => Method::OPTIONS,
        HttpMethod::Head => Method::HEAD,
        HttpMethod::Patch => Method::PATCH,
        HttpMethod::Trace => Method::TRACE,
    }
}
