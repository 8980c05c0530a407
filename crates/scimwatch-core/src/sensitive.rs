//! `Sensitive<T>`: a secret that cannot leak by accident.
//!
//! `Debug` and `Display` print `<redacted>`; there is deliberately no
//! `Serialize` implementation, so a secret cannot end up in JSON, SQLite or an
//! IPC payload without an explicit `expose()` at the call site.

use std::fmt;

#[derive(Clone, PartialEq, Eq, Default)]
pub struct Sensitive<T>(T);

impl<T> Sensitive<T> {
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// The only way to read the secret. Grep for `expose()` to audit every use.
    pub fn expose(&self) -> &T {
        &self.0
    }

    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> From<T> for Sensitive<T> {
    fn from(value: T) -> Self {
        Self(value)
    }
}

/// Secrets may come *in* (a form, a file): deserializing is allowed.
impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Sensitive<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(d).map(Sensitive)
    }
}

impl<T> fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl<T> fmt::Display for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_are_redacted() {
        let s = Sensitive::new("hunter2-secret".to_string());
        assert_eq!(format!("{s:?}"), "<redacted>");
        assert_eq!(format!("{s}"), "<redacted>");
        assert_eq!(format!("{:?}", Some(&s)), "Some(<redacted>)");
        assert_eq!(s.expose(), "hunter2-secret");
    }

    #[test]
    fn nested_debug_is_redacted() {
        #[derive(Debug)]
        #[allow(dead_code)]
        struct Holder {
            token: Sensitive<String>,
        }
        let h = Holder {
            token: Sensitive::new("abc.def.ghi".into()),
        };
        let out = format!("{h:?}");
        assert!(!out.contains("abc.def"), "{out}");
    }

    // `Sensitive<T>` must not implement `Serialize`. This is checked at compile
    // time: the function below only compiles for types without Serialize by
    // way of the auto-deref specialisation trick.
    #[test]
    fn is_not_serializable() {
        trait NotSerialize {
            fn is_serialize(&self) -> bool {
                false
            }
        }
        impl<T> NotSerialize for T {}
        struct Probe<'a, T>(#[allow(dead_code)] &'a T);
        impl<T: serde::Serialize> Probe<'_, T> {
            fn is_serialize(&self) -> bool {
                true
            }
        }
        let s = Sensitive::new(String::from("x"));
        assert!(!Probe(&s).is_serialize());
        assert!(Probe(&String::from("x")).is_serialize());
    }
}
