//! PATCH operations (RFC 7644 §3.5.2) on a stored resource.

use super::*;

/// Apply one PATCH operation (RFC 7644 §3.5.2) to a resource.
pub fn apply_op(item: &mut Value, op: &Value) -> Result<(), String> {
    let kind = op
        .get("op")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_ascii_lowercase();
    let path = op.get("path").and_then(Value::as_str);
    let value = op.get("value").cloned().unwrap_or(Value::Null);
    let Some(obj) = item.as_object_mut() else {
        return Err("resource is not an object".into());
    };
    match (kind.as_str(), path) {
        ("add" | "replace", None) => {
            let Value::Object(m) = value else {
                return Err("value must be an object when path is absent".into());
            };
            for (k, v) in m {
                set_path(obj, &k, v, kind == "add")?;
            }
            Ok(())
        }
        ("add" | "replace", Some(p)) => set_path(obj, p, value, kind == "add"),
        ("remove", Some(p)) => {
            if let Some(rest) = p.strip_prefix("members[") {
                let (attr, val) =
                    parse_eq(rest.trim_end_matches(']')).ok_or("bad members filter")?;
                if let Some(Value::Array(a)) = obj.get_mut("members") {
                    a.retain(|m| m.get(&attr).and_then(Value::as_str) != Some(val.as_str()));
                }
                return Ok(());
            }
            if p == "members" {
                if let (Some(Value::Array(a)), Value::Array(rm)) = (obj.get_mut("members"), &value)
                {
                    let ids: Vec<&str> = rm
                        .iter()
                        .filter_map(|m| m.get("value").and_then(Value::as_str))
                        .collect();
                    a.retain(|m| {
                        !m.get("value")
                            .and_then(Value::as_str)
                            .is_some_and(|v| ids.contains(&v))
                    });
                    return Ok(());
                }
            }
            obj.remove(p);
            Ok(())
        }
        _ => Err(format!("unsupported PATCH op '{kind}'")),
    }
}

pub(super) fn set_path(
    obj: &mut Map<String, Value>,
    path: &str,
    value: Value,
    add: bool,
) -> Result<(), String> {
    // enterprise extension attribute: urn:...:User:department
    if let Some(attr) = path
        .strip_prefix(ENTERPRISE)
        .and_then(|r| r.strip_prefix(':'))
    {
        let ext = obj.entry(ENTERPRISE).or_insert_with(|| json!({}));
        if let Some(e) = ext.as_object_mut() {
            e.insert(attr.to_string(), value);
        }
        return Ok(());
    }
    // multi-valued with a filter: emails[type eq "work"].value
    if let Some(open) = path.find('[') {
        let attr = &path[..open];
        let close = path.find(']').ok_or("unbalanced [")?;
        let (fattr, fval) = parse_eq(&path[open + 1..close]).ok_or("bad value filter")?;
        let sub = path[close + 1..].trim_start_matches('.');
        let arr = obj.entry(attr).or_insert_with(|| json!([]));
        let Some(a) = arr.as_array_mut() else {
            return Err(format!("{attr} is not multi-valued"));
        };
        let pos = a
            .iter()
            .position(|e| e.get(&fattr).and_then(Value::as_str) == Some(fval.as_str()));
        let idx = match pos {
            Some(i) => i,
            None => {
                a.push(json!({ fattr.clone(): fval }));
                a.len() - 1
            }
        };
        if sub.is_empty() {
            a[idx] = value;
        } else if let Some(o) = a[idx].as_object_mut() {
            o.insert(sub.to_string(), value);
        }
        return Ok(());
    }
    if add && path == "members" {
        let new = match value {
            Value::Array(v) => v,
            other => vec![other],
        };
        let arr = obj.entry("members").or_insert_with(|| json!([]));
        if let Some(a) = arr.as_array_mut() {
            for m in new {
                if !a.iter().any(|x| x.get("value") == m.get("value")) {
                    a.push(m);
                }
            }
        }
        return Ok(());
    }
    let mut parts = path.split('.').peekable();
    let mut cur = obj;
    while let Some(p) = parts.next() {
        if parts.peek().is_none() {
            cur.insert(p.to_string(), value);
            return Ok(());
        }
        let next = cur.entry(p).or_insert_with(|| json!({}));
        cur = next
            .as_object_mut()
            .ok_or_else(|| format!("{p} is not complex"))?;
    }
    Ok(())
}
