//! `AdmissionReview` v1: the request the API server sends and the response it expects.
//! Only the fields lockgate reads are typed; the object and old object stay raw JSON so
//! the engine parses them once, with positions.
//!
//! Reference: <https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/>

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

pub const API_VERSION: &str = "admission.k8s.io/v1";
pub const KIND: &str = "AdmissionReview";

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdmissionReview {
    #[serde(default)]
    pub api_version: String,
    #[serde(default)]
    pub kind: String,
    pub request: Option<AdmissionRequest>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GroupVersionKind {
    pub group: String,
    pub version: String,
    pub kind: String,
}

impl GroupVersionKind {
    /// `apps/v1/Deployment`, `v1/Pod`.
    pub fn display(&self) -> String {
        if self.group.is_empty() {
            format!("{}/{}", self.version, self.kind)
        } else {
            format!("{}/{}/{}", self.group, self.version, self.kind)
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct UserInfo {
    pub username: String,
    pub groups: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdmissionRequest {
    pub uid: String,
    #[serde(default)]
    pub kind: GroupVersionKind,
    #[serde(default)]
    pub sub_resource: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub namespace: String,
    #[serde(default)]
    pub operation: String,
    /// Kept whole for Gatekeeper's `input.review.userInfo`.
    #[serde(default)]
    pub user_info: Option<serde_json::Value>,
    #[serde(default)]
    pub object: Option<Box<RawValue>>,
    #[serde(default)]
    pub old_object: Option<Box<RawValue>>,
    #[serde(default)]
    pub dry_run: Option<bool>,
}

impl AdmissionRequest {
    /// The user and groups, read from `userInfo`.
    pub fn user(&self) -> UserInfo {
        self.user_info
            .as_ref()
            .and_then(|v| UserInfo::deserialize(v).ok())
            .unwrap_or_default()
    }

    /// The object, unless absent or `null` (DELETE requests carry only the old object).
    pub fn object_text(&self) -> Option<&str> {
        self.object
            .as_deref()
            .map(RawValue::get)
            .filter(|t| t.trim() != "null")
    }

    pub fn is_dry_run(&self) -> bool {
        self.dry_run.unwrap_or(false)
    }
}

/// The answer: the same `apiVersion`/`kind` and the request's `uid`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AdmissionReviewResponse {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub response: AdmissionResponse,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AdmissionResponse {
    pub uid: String,
    pub allowed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Status {
    pub code: u16,
    pub message: String,
    pub reason: &'static str,
}

impl AdmissionReviewResponse {
    pub fn new(response: AdmissionResponse) -> Self {
        AdmissionReviewResponse {
            api_version: API_VERSION,
            kind: KIND,
            response,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_request_and_keeps_the_object_raw() {
        let text = r#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{
            "uid":"705ab4f5","kind":{"group":"apps","version":"v1","kind":"Deployment"},
            "resource":{"group":"apps","version":"v1","resource":"deployments"},
            "name":"api","namespace":"team-a","operation":"CREATE",
            "userInfo":{"username":"alice","groups":["dev","system:authenticated"]},
            "object":{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"api"}},
            "oldObject":null,"dryRun":true,"options":{}}}"#;
        let review: AdmissionReview = serde_json::from_str(text).unwrap();
        let request = review.request.unwrap();
        assert_eq!(request.kind.display(), "apps/v1/Deployment");
        assert_eq!(request.user().groups, ["dev", "system:authenticated"]);
        assert!(
            request
                .object_text()
                .unwrap()
                .starts_with(r#"{"apiVersion":"apps/v1""#)
        );
        assert!(
            request.old_object.is_none() || request.old_object.as_ref().unwrap().get() == "null"
        );
        assert!(request.is_dry_run());
    }

    #[test]
    fn a_response_has_the_shape_the_api_server_wants() {
        let response = AdmissionReviewResponse::new(AdmissionResponse {
            uid: "u1".into(),
            allowed: false,
            status: Some(Status {
                code: 403,
                message: "no".into(),
                reason: "Forbidden",
            }),
            warnings: vec![],
        });
        let json = serde_json::to_value(&response).unwrap();
        assert_eq!(json["apiVersion"], "admission.k8s.io/v1");
        assert_eq!(json["response"]["status"]["code"], 403);
        assert!(json["response"].get("warnings").is_none());
    }
}
