//! A small toolkit for reading JSON that Microsoft (and SCIM servers) send
//! sloppily. Used by the Graph models and the SCIM parsers.
//!
//! The rules, applied field by field with `#[serde(default, deserialize_with = "…")]`:
//! - **Strings**: numbers and booleans are accepted and turned into text;
//!   `null` → `None`; an object or array where text was expected is skipped
//!   (→ `None`) instead of failing the whole document.
//! - **Numbers**: integers, integral floats and numeric strings (`"500"`) are
//!   accepted; `""`, `null` and anything non-numeric → `None`.
//! - **Booleans**: `true`/`false`, the strings `"true"`/`"False"` (any case)
//!   and `0`/`1`.
//! - **Open enums** ([`open_enum!`](crate::open_enum)): case-insensitive, unknown
//!   values kept verbatim in a catch-all variant, `""` → `None`.
//! - **Timestamps** ([`Timestamp`]): `""`/`null` → `None`; `0001-01-01T00:00:00Z`
//!   → [`Timestamp::Never`]; offsets, fractional seconds (any number of digits)
//!   and offset-less times (read as UTC) accepted; anything else kept as
//!   [`Timestamp::Unparsed`].
//! - **Durations** ([`Interval`]): ISO-8601 (`PT40M`, `P1DT2H`, `PT0.5S`) and
//!   .NET `TimeSpan` text (`1.02:00:00`); `TimeSpan.MaxValue` → [`Interval::NoSchedule`].
//! - **Lists**: `null` → empty.
//!
//! Unknown fields are ignored everywhere (serde's default).

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeOwned, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

mod interval;
mod timestamp;

pub use interval::*;
pub use timestamp::*;

/// An enum whose set of values is open: unknown values are kept, not refused.
pub trait OpenEnum: Sized {
    /// Parse case-insensitively; never fails (unknown → the catch-all variant).
    fn parse(s: &str) -> Self;
    /// The canonical spelling (as in Microsoft's schema), or the unknown value verbatim.
    fn as_str(&self) -> &str;
}

/// Declare an open enum: known values matched case-insensitively, anything
/// else kept in a catch-all variant, serialized as its canonical string.
///
/// ```
/// scimwatch_core::open_enum! {
///     /// Doc.
///     pub enum Light / Other {
///         /// Go.
///         Green = "green",
///         /// Stop.
///         Red = "Red",
///     }
/// }
/// assert_eq!(Light::parse("GREEN"), Light::Green);
/// assert_eq!(Light::parse("blue").as_str(), "blue");
/// ```
#[macro_export]
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident / $other:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, ts_rs::TS)]
        #[ts(type = "string")]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A value this version does not know (including Microsoft's
            /// `unknownFutureValue`), kept verbatim.
            $other(String),
        }

        impl $name {
            /// Every known value in its canonical spelling.
            pub const KNOWN: &'static [&'static str] = &[$($text),*];

            /// Parse case-insensitively (surrounding whitespace ignored); never fails.
            pub fn parse(s: &str) -> Self {
                let t = s.trim();
                $( if t.eq_ignore_ascii_case($text) { return Self::$variant; } )*
                Self::$other(t.to_string())
            }

            /// The canonical spelling, or the unknown value verbatim.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $text, )*
                    Self::$other(s) => s.as_str(),
                }
            }

            /// Whether the value is one this version knows.
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::$other(_))
            }
        }

        impl $crate::graph::lenient::OpenEnum for $name {
            fn parse(s: &str) -> Self {
                $name::parse(s)
            }
            fn as_str(&self) -> &str {
                $name::as_str(self)
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(Self::parse(s))
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = $crate::graph::lenient::LenientStr::deserialize(d)?;
                Ok(Self::parse(text.0.as_deref().unwrap_or("")))
            }
        }
    };
}

// ---------------------------------------------------------------------------
// Strings

/// Any JSON scalar as text (borrowed when possible); `null`, objects and arrays → `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LenientStr<'a>(pub Option<Cow<'a, str>>);

struct LenientStrVisitor<'a>(std::marker::PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for LenientStrVisitor<'a> {
    type Value = LenientStr<'a>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string, number, boolean or null")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(LenientStr(Some(Cow::Borrowed(v))))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(LenientStr(Some(Cow::Owned(v.to_string()))))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(LenientStr(Some(Cow::Owned(v))))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(LenientStr(Some(Cow::Borrowed(if v {
            "true"
        } else {
            "false"
        }))))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(LenientStr(Some(Cow::Owned(v.to_string()))))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(LenientStr(Some(Cow::Owned(v.to_string()))))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(LenientStr(Some(Cow::Owned(v.to_string()))))
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(LenientStr(None))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(LenientStr(None))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(LenientStr(None))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(LenientStr(None))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for LenientStr<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(LenientStrVisitor(std::marker::PhantomData))
    }
}

impl LenientStr<'_> {
    /// The text, with `""` (after trimming) treated as absent.
    pub fn non_empty(&self) -> Option<&str> {
        self.0.as_deref().filter(|s| !s.trim().is_empty())
    }
}

/// `Option<String>` from any scalar; empty strings are kept verbatim.
pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(LenientStr::deserialize(d)?.0.map(Cow::into_owned))
}

/// `Option<String>` from any scalar; `""` (or only whitespace) → `None`.
pub fn opt_non_empty_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(LenientStr::deserialize(d)?.non_empty().map(str::to_string))
}

// ---------------------------------------------------------------------------
// Numbers and booleans

/// Read an integer from text: `"500"`, `" 12 "`, `"3.0"`. `None` when not a number.
pub fn parse_i64_text(s: &str) -> Option<i64> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    if let Ok(v) = t.parse::<i64>() {
        return Some(v);
    }
    t.parse::<f64>().ok().and_then(f64_to_i64)
}

fn f64_to_i64(v: f64) -> Option<i64> {
    // `i64::MAX as f64` rounds up to 2^63, so compare with a strict upper bound.
    if v.is_finite() && v >= i64::MIN as f64 && v < i64::MAX as f64 {
        Some(v.trunc() as i64)
    } else {
        None
    }
}

/// Read a boolean from text: `true`/`false` in any case, `1`/`0`. `None` otherwise.
pub fn parse_bool_text(s: &str) -> Option<bool> {
    let t = s.trim();
    if t.eq_ignore_ascii_case("true") || t == "1" {
        Some(true)
    } else if t.eq_ignore_ascii_case("false") || t == "0" {
        Some(false)
    } else {
        None
    }
}

/// A JSON value read as a number, remembering whether it came as a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LenientI64 {
    /// The number, if the value was one (or numeric text).
    pub value: Option<i64>,
    /// True when the value arrived as a JSON string.
    pub was_string: bool,
}

struct I64Visitor;

impl<'de> Visitor<'de> for I64Visitor {
    type Value = LenientI64;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a number, numeric string or null")
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(LenientI64 {
            value: Some(v),
            was_string: false,
        })
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(LenientI64 {
            value: i64::try_from(v).ok(),
            was_string: false,
        })
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(LenientI64 {
            value: f64_to_i64(v),
            was_string: false,
        })
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(LenientI64 {
            value: parse_i64_text(v),
            was_string: true,
        })
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(LenientI64::default())
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(LenientI64::default())
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(LenientI64::default())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(I64Visitor)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(LenientI64::default())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(LenientI64::default())
    }
}

impl<'de> Deserialize<'de> for LenientI64 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(I64Visitor)
    }
}

/// `Option<i64>` from a number or numeric string; anything else → `None`.
pub fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(LenientI64::deserialize(d)?.value)
}

/// `Option<bool>` from a boolean, `"true"`/`"False"` or `0`/`1`; anything else → `None`.
pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<bool>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a boolean, boolean string or null")
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(match v {
                0 => Some(false),
                1 => Some(true),
                _ => None,
            })
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            self.visit_i64(i64::try_from(v).unwrap_or(-1))
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(parse_bool_text(v))
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(V)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(None)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(None)
        }
    }
    d.deserialize_any(V)
}

/// An open enum from text; `""` and `null` → `None`.
pub fn open<'de, D: Deserializer<'de>, T: OpenEnum>(d: D) -> Result<Option<T>, D::Error> {
    Ok(LenientStr::deserialize(d)?.non_empty().map(T::parse))
}

/// A list where `null` means empty.
pub fn vec_or_null<'de, D: Deserializer<'de>, T: DeserializeOwned>(
    d: D,
) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests;
