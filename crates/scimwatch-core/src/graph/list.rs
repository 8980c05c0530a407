//! Graph's collection envelope and error envelope, and the generic parse entry point.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::error::ParseError;
use super::lenient::{opt_i64, opt_string, vec_or_null};

/// Parse a whole Graph document into `T`. `document` names it in errors
/// (`"synchronizationJob"`, `"servicePrincipals page"`, …).
pub fn parse_document<T: DeserializeOwned>(document: &str, bytes: &[u8]) -> Result<T, ParseError> {
    serde_json::from_slice(bytes).map_err(|e| ParseError::from_json(document, &e, Some(bytes)))
}

/// One page of a Graph collection (`GET /servicePrincipals`, `.../jobs`, …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(deserialize = "T: DeserializeOwned"))]
pub struct GraphList<T> {
    /// The items on this page (`null` or absent → empty).
    #[serde(default, deserialize_with = "vec_or_null")]
    pub value: Vec<T>,
    /// The full URL of the next page; absent on the last page. Follow it verbatim.
    #[serde(
        rename = "@odata.nextLink",
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub next_link: Option<String>,
    /// The metadata URL describing the items.
    #[serde(
        rename = "@odata.context",
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub context: Option<String>,
    /// `@odata.count`, when `$count=true` was asked for.
    #[serde(
        rename = "@odata.count",
        default,
        deserialize_with = "opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub count: Option<i64>,
    /// `@odata.deltaLink`, at the end of a delta query.
    #[serde(
        rename = "@odata.deltaLink",
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub delta_link: Option<String>,
}

impl<T> Default for GraphList<T> {
    fn default() -> Self {
        Self {
            value: Vec::new(),
            next_link: None,
            context: None,
            count: None,
            delta_link: None,
        }
    }
}

/// The body of a Graph error response: `{"error": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct GraphErrorEnvelope {
    /// The error; absent only when the body was not really a Graph error.
    #[serde(default)]
    pub error: Option<GraphError>,
}

/// `error` inside a Graph error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct GraphError {
    /// `Authorization_RequestDenied`, `Request_ResourceNotFound`, `TooManyRequests`, …
    #[serde(default, deserialize_with = "opt_string")]
    pub code: Option<String>,
    /// Human-readable text from Microsoft.
    #[serde(default, deserialize_with = "opt_string")]
    pub message: Option<String>,
    /// Request correlation data (`innerError`; older services spell it `innererror`).
    #[serde(default, alias = "innererror")]
    pub inner_error: Option<GraphInnerError>,
    /// Nested details some services add.
    #[serde(
        default,
        deserialize_with = "vec_or_null",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub details: Vec<GraphErrorDetail>,
}

/// `innerError`: what Microsoft support asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct GraphInnerError {
    /// When the error happened (text as Graph sent it).
    #[serde(default, deserialize_with = "opt_string")]
    pub date: Option<String>,
    /// `request-id`.
    #[serde(rename = "request-id", default, deserialize_with = "opt_string")]
    pub request_id: Option<String>,
    /// `client-request-id`.
    #[serde(rename = "client-request-id", default, deserialize_with = "opt_string")]
    pub client_request_id: Option<String>,
    /// A more specific code some services add.
    #[serde(default, deserialize_with = "opt_string")]
    pub code: Option<String>,
}

/// One entry of `error.details`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct GraphErrorDetail {
    /// Detail code.
    #[serde(default, deserialize_with = "opt_string")]
    pub code: Option<String>,
    /// Detail text.
    #[serde(default, deserialize_with = "opt_string")]
    pub message: Option<String>,
    /// The field the detail is about, when given.
    #[serde(default, deserialize_with = "opt_string")]
    pub target: Option<String>,
}

/// Read a Graph error body. `None` when the body is not JSON or has no `error` object.
pub fn parse_graph_error(bytes: &[u8]) -> Option<GraphError> {
    serde_json::from_slice::<GraphErrorEnvelope>(bytes)
        .ok()
        .and_then(|e| e.error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_errors() {
        let body = br#"{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation.","innerError":{"date":"2024-01-01T00:00:00","request-id":"r1","client-request-id":"c1"}}}"#;
        let e = parse_graph_error(body).unwrap();
        assert_eq!(e.code.as_deref(), Some("Authorization_RequestDenied"));
        let inner = e.inner_error.unwrap();
        assert_eq!(inner.request_id.as_deref(), Some("r1"));
        assert_eq!(inner.client_request_id.as_deref(), Some("c1"));

        let old = br#"{"error":{"code":"x","innererror":{"request-id":"r2"}}}"#;
        let e = parse_graph_error(old).unwrap();
        assert_eq!(e.inner_error.unwrap().request_id.as_deref(), Some("r2"));

        assert!(parse_graph_error(b"<html></html>").is_none());
        assert!(parse_graph_error(b"{}").is_none());
    }

    #[test]
    fn lists() {
        let page: GraphList<serde_json::Value> = parse_document(
            "page",
            br#"{"value":null,"@odata.nextLink":"https://graph/next?$skiptoken=a","@odata.count":"3"}"#,
        )
        .unwrap();
        assert!(page.value.is_empty());
        assert_eq!(
            page.next_link.as_deref(),
            Some("https://graph/next?$skiptoken=a")
        );
        assert_eq!(page.count, Some(3));
        let empty: GraphList<serde_json::Value> = parse_document("page", b"{}").unwrap();
        assert_eq!(empty, GraphList::default());
        let err = parse_document::<GraphList<serde_json::Value>>("page", b"[1]").unwrap_err();
        assert_eq!(err.document, "page");
    }
}
