//! Attribute mappings (`GET .../jobs/{jobId}/schema`).

use serde::{Deserialize, Serialize};

use super::lenient::{open, opt_bool, opt_i64, opt_string, vec_or_null};

crate::open_enum! {
    /// `attributeMappingSource.type`.
    pub enum AttributeMappingSourceType / Other {
        /// A source attribute, named in `name`.
        Attribute = "Attribute",
        /// A constant in `expression`.
        Constant = "Constant",
        /// An expression (`Switch(...)`, `Join(...)`, …).
        Function = "Function",
    }
}

/// The synchronization schema of a job. Only the mappings are modelled;
/// `directories` is kept as raw JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct SynchronizationSchema {
    /// Schema id (usually the job id).
    #[serde(default, deserialize_with = "opt_string")]
    pub id: Option<String>,
    /// Schema version.
    #[serde(default, deserialize_with = "opt_string")]
    pub version: Option<String>,
    /// Rules, each with object mappings.
    #[serde(default, deserialize_with = "vec_or_null")]
    pub synchronization_rules: Vec<SynchronizationRule>,
    /// Directory definitions, untyped.
    #[serde(default, deserialize_with = "vec_or_null")]
    pub directories: Vec<serde_json::Value>,
}

impl SynchronizationSchema {
    /// Every object mapping of every rule.
    pub fn object_mappings(&self) -> impl Iterator<Item = &ObjectMapping> {
        self.synchronization_rules
            .iter()
            .flat_map(|r| r.object_mappings.iter())
    }

    /// The first mapping whose source object is `name` (case-insensitive).
    /// Mapping names differ across tenant ages ("Provision Azure Active
    /// Directory Users" / "Provision Microsoft Entra ID Users"), so the source
    /// object is the reliable key.
    pub fn mapping_for_source(&self, name: &str) -> Option<&ObjectMapping> {
        self.object_mappings().find(|m| {
            m.source_object_name
                .as_deref()
                .is_some_and(|s| s.trim().eq_ignore_ascii_case(name))
        })
    }

    /// The Users mapping (`sourceObjectName == "User"`).
    pub fn users_mapping(&self) -> Option<&ObjectMapping> {
        self.mapping_for_source("User")
    }

    /// The Groups mapping (`sourceObjectName == "Group"`).
    pub fn groups_mapping(&self) -> Option<&ObjectMapping> {
        self.mapping_for_source("Group")
    }
}

/// One synchronization rule (source directory → target directory).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct SynchronizationRule {
    /// Rule id.
    #[serde(default, deserialize_with = "opt_string")]
    pub id: Option<String>,
    /// Rule name (`USER_TO_USER`, …).
    #[serde(default, deserialize_with = "opt_string")]
    pub name: Option<String>,
    /// `Azure Active Directory`, …
    #[serde(default, deserialize_with = "opt_string")]
    pub source_directory_name: Option<String>,
    /// The SaaS directory's name (`customappsso` for non-gallery SCIM apps).
    #[serde(default, deserialize_with = "opt_string")]
    pub target_directory_name: Option<String>,
    /// Whether the rule can be edited.
    #[serde(default, deserialize_with = "opt_bool")]
    pub editable: Option<bool>,
    /// Rule priority.
    #[serde(default, deserialize_with = "opt_i64")]
    pub priority: Option<i64>,
    /// The object mappings.
    #[serde(default, deserialize_with = "vec_or_null")]
    pub object_mappings: Vec<ObjectMapping>,
}

/// An object mapping ("Provision Microsoft Entra ID Users").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ObjectMapping {
    /// Display name of the mapping.
    #[serde(default, deserialize_with = "opt_string")]
    pub name: Option<String>,
    /// `false` means the mapping is skipped.
    #[serde(default, deserialize_with = "opt_bool")]
    pub enabled: Option<bool>,
    /// `User`, `Group`.
    #[serde(default, deserialize_with = "opt_string")]
    pub source_object_name: Option<String>,
    /// `User`, `Group`, or a SCIM URN.
    #[serde(default, deserialize_with = "opt_string")]
    pub target_object_name: Option<String>,
    /// Flags text: `"Add, Update, Delete"`.
    #[serde(default, deserialize_with = "opt_string")]
    pub flow_types: Option<String>,
    /// Scoping filter, untyped.
    #[serde(default)]
    pub scope: Option<serde_json::Value>,
    /// The attribute mappings.
    #[serde(default, deserialize_with = "vec_or_null")]
    pub attribute_mappings: Vec<AttributeMapping>,
}

impl ObjectMapping {
    /// Enabled unless explicitly `false` (the field is non-nullable in the
    /// schema; when Microsoft truncates a body it is absent).
    pub fn is_enabled(&self) -> bool {
        self.enabled != Some(false)
    }

    /// Whether `flowTypes` contains `flow` (`Add`, `Update`, `Delete`), case-insensitive.
    pub fn has_flow(&self, flow: &str) -> bool {
        self.flow_types
            .as_deref()
            .is_some_and(|f| f.split(',').any(|p| p.trim().eq_ignore_ascii_case(flow)))
    }

    /// The matching attributes (`matchingPriority > 0`), by priority (1 first).
    pub fn matching_attributes(&self) -> Vec<&AttributeMapping> {
        let mut out: Vec<&AttributeMapping> = self
            .attribute_mappings
            .iter()
            .filter(|a| a.matching_priority.is_some_and(|p| p > 0))
            .collect();
        out.sort_by_key(|a| a.matching_priority.unwrap_or(i64::MAX));
        out
    }

    /// The attribute mapping that writes `target` (case-insensitive).
    pub fn mapping_to(&self, target: &str) -> Option<&AttributeMapping> {
        self.attribute_mappings.iter().find(|a| {
            a.target_attribute_name
                .as_deref()
                .is_some_and(|t| t.eq_ignore_ascii_case(target))
        })
    }
}

/// One attribute mapping (source → `targetAttributeName`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct AttributeMapping {
    /// Target attribute (`userName`, `emails[type eq "work"].value`, …).
    #[serde(default, deserialize_with = "opt_string")]
    pub target_attribute_name: Option<String>,
    /// Where the value comes from.
    #[serde(default)]
    pub source: Option<AttributeMappingSource>,
    /// Value used when the source is empty.
    #[serde(default, deserialize_with = "opt_string")]
    pub default_value: Option<String>,
    /// `Always`, `ObjectAddOnly`, …
    #[serde(default, deserialize_with = "opt_string")]
    pub flow_type: Option<String>,
    /// `FlowWhenChanged`, `FlowAlways`.
    #[serde(default, deserialize_with = "opt_string")]
    pub flow_behavior: Option<String>,
    /// `> 0` marks a matching attribute; 1 is tried first.
    #[serde(default, deserialize_with = "opt_i64")]
    pub matching_priority: Option<i64>,
    /// Whether missing references are exported.
    #[serde(default, deserialize_with = "opt_bool")]
    pub export_missing_references: Option<bool>,
}

impl AttributeMapping {
    /// The source attribute's name when the source is a plain attribute
    /// (`userPrincipalName`, `mail`, `objectId`).
    pub fn source_attribute(&self) -> Option<&str> {
        let s = self.source.as_ref()?;
        match s.kind {
            Some(AttributeMappingSourceType::Attribute) | None => s.name.as_deref(),
            _ => None,
        }
    }
}

/// `attributeMappingSource`: an attribute, a constant or a function.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct AttributeMappingSource {
    /// The expression text (`[userPrincipalName]`, `Switch(...)`).
    #[serde(default, deserialize_with = "opt_string")]
    pub expression: Option<String>,
    /// Attribute or function name.
    #[serde(default, deserialize_with = "opt_string")]
    pub name: Option<String>,
    /// `Attribute`, `Constant`, `Function`.
    #[serde(rename = "type", default, deserialize_with = "open")]
    pub kind: Option<AttributeMappingSourceType>,
    /// Function parameters.
    #[serde(default, deserialize_with = "vec_or_null")]
    pub parameters: Vec<AttributeMappingParameter>,
}

/// A named function parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct AttributeMappingParameter {
    /// Parameter name.
    #[serde(default, deserialize_with = "opt_string")]
    pub key: Option<String>,
    /// Parameter value (itself a source).
    #[serde(default)]
    pub value: Option<Box<AttributeMappingSource>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: &str = r#"{
      "id": "scim.1",
      "synchronizationRules": [{
        "name": "USER_TO_USER",
        "objectMappings": [
          {"name": "Provision Microsoft Entra ID Groups", "enabled": false,
           "sourceObjectName": "Group", "targetObjectName": "Group", "flowTypes": "Add, Update, Delete",
           "attributeMappings": [{"targetAttributeName": "displayName", "matchingPriority": 1,
             "source": {"name": "displayName", "type": "Attribute"}}]},
          {"name": "Provision Azure Active Directory Users", "enabled": true,
           "sourceObjectName": "user", "targetObjectName": "User", "flowTypes": "Add,Update",
           "attributeMappings": [
             {"targetAttributeName": "externalId", "matchingPriority": "2",
              "source": {"name": "mailNickname", "type": "Attribute"}},
             {"targetAttributeName": "userName", "matchingPriority": 1,
              "source": {"name": "userPrincipalName", "type": "attribute"}},
             {"targetAttributeName": "active", "matchingPriority": 0,
              "source": {"name": "Switch", "type": "Function", "expression": "Switch([IsSoftDeleted], , \"False\", \"True\")",
                "parameters": [{"key": "source", "value": {"name": "IsSoftDeleted", "type": "Attribute"}}]}}
           ]}
        ]}, {}]
    }"#;

    #[test]
    fn finds_mappings_by_source_object() {
        let s: SynchronizationSchema = serde_json::from_str(SCHEMA).unwrap();
        let users = s.users_mapping().unwrap();
        assert!(users.is_enabled());
        assert!(users.has_flow("update"));
        assert!(!users.has_flow("Delete"));
        let m: Vec<_> = users
            .matching_attributes()
            .iter()
            .map(|a| a.target_attribute_name.as_deref().unwrap())
            .collect();
        assert_eq!(m, ["userName", "externalId"]);
        assert_eq!(
            users.mapping_to("USERNAME").unwrap().source_attribute(),
            Some("userPrincipalName")
        );
        assert_eq!(users.mapping_to("active").unwrap().source_attribute(), None);
        let groups = s.groups_mapping().unwrap();
        assert!(!groups.is_enabled());
        assert!(s.mapping_for_source("Contact").is_none());
    }

    #[test]
    fn empty_schema() {
        let s: SynchronizationSchema = serde_json::from_str("{}").unwrap();
        assert!(s.users_mapping().is_none());
        assert!(ObjectMapping::default().is_enabled());
    }
}
