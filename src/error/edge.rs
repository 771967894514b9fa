//! Error answers made outside handlers: unknown routes, and the middleware that reshapes any
//! other error answer into problem+json.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, ResponseError};

use super::{PROBLEM_JSON, Problem};

/// The answer for unknown routes.
pub async fn route_not_found(req: HttpRequest) -> HttpResponse {
    Problem::new(
        StatusCode::NOT_FOUND,
        "route_not_found",
        format!("No route {} {}.", req.method(), req.path()),
    )
    .into_response(StatusCode::NOT_FOUND)
}

/// Middleware: any error answer that is not problem+json yet (actix's own 404/405/413/415, CORS
/// refusals, errors raised by other middleware) is rewritten into one, keeping its headers.
pub async fn problem_json(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    match next.call(req).await {
        Ok(response) => Ok(ensure_problem(response.map_into_boxed_body())),
        Err(error) => Err(EdgeError::from_error(&error, None).into()),
    }
}

/// An error raised by middleware rather than a handler (so there is no response to reshape yet),
/// answered as a generic problem+json for its status, with the request id when known.
#[derive(Debug)]
pub struct EdgeError {
    status: StatusCode,
    message: String,
    request_id: Option<String>,
}

impl EdgeError {
    pub fn from_error(error: &actix_web::Error, request_id: Option<String>) -> Self {
        match error.as_error::<EdgeError>() {
            Some(edge) => Self {
                status: edge.status,
                message: edge.message.clone(),
                request_id: request_id.or_else(|| edge.request_id.clone()),
            },
            None => Self {
                status: error.as_response_error().status_code(),
                message: error.to_string(),
                request_id,
            },
        }
    }
}

impl std::fmt::Display for EdgeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.status)
    }
}

impl ResponseError for EdgeError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = Problem::for_status(self.status).into_response(self.status);
        if let Some(id) = &self.request_id
            && let Ok(value) = HeaderValue::from_str(id)
        {
            response
                .headers_mut()
                .insert(crate::telemetry::REQUEST_ID_HEADER, value);
        }
        response
    }
}

fn ensure_problem(response: ServiceResponse<BoxBody>) -> ServiceResponse<BoxBody> {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if is_problem {
        return response;
    }
    let problem = Problem::for_status(status);
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    response.map_body(|head, _| {
        head.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        head.headers_mut().remove(header::CONTENT_ENCODING);
        BoxBody::new(body)
    })
}
