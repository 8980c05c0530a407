//! The raw Graph JSON of provisioning events, compressed a page at a time
//! (migration 0006). An ingest packs the JSON of a page's new events into
//! one LZ4 block in `event_raw_pages`; each event row keeps where its text
//! lies in the decompressed block (`raw_page`, `raw_offset`, `raw_len`).
//! Rows stored before 0006 keep their text in `raw_json`.

use sqlx::{SqliteConnection, SqlitePool};

use crate::error::EngineError;

/// The only codec so far (the column's CHECK lists the allowed ones).
pub const CODEC_LZ4: &str = "lz4";

/// Largest decompressed block accepted when reading: a Graph page holds at
/// most 1,000 events, far below this; a larger size is a damaged block.
const MAX_BLOCK: usize = 256 << 20;

/// Where one event's text lies in its block's decompressed text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub offset: u32,
    pub len: u32,
}

/// The events' JSON texts packed and compressed, with each one's span.
#[derive(Debug)]
pub struct Packed {
    pub body: Vec<u8>,
    pub spans: Vec<Span>,
}

/// Concatenate `texts` and compress them as one block.
pub fn pack<'a>(texts: impl IntoIterator<Item = &'a str>) -> Result<Packed, EngineError> {
    let texts: Vec<&str> = texts.into_iter().collect();
    let mut joined = String::with_capacity(texts.iter().map(|t| t.len()).sum());
    let mut spans = Vec::with_capacity(texts.len());
    for t in texts {
        let offset = u32::try_from(joined.len());
        let len = u32::try_from(t.len());
        let (Ok(offset), Ok(len)) = (offset, len) else {
            return Err(EngineError::Io(
                "a page of provisioning events is too large to store (over 4 GB of JSON)".into(),
            ));
        };
        spans.push(Span { offset, len });
        joined.push_str(t);
    }
    Ok(Packed {
        body: lz4_flex::compress_prepend_size(joined.as_bytes()),
        spans,
    })
}

fn damaged(id: i64, what: &str) -> EngineError {
    EngineError::Io(format!(
        "the stored raw JSON block {id} of provisioning events is damaged ({what}); \
         the event's columns are intact, only its raw Graph JSON cannot be shown"
    ))
}

/// Decompress block `id` (`codec`, `body`) into its text.
pub fn unpack(id: i64, codec: &str, body: &[u8]) -> Result<String, EngineError> {
    if codec != CODEC_LZ4 {
        return Err(damaged(id, &format!("unknown codec {codec:?}")));
    }
    let size = body
        .get(..4)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map(|b| u32::from_le_bytes(b) as usize)
        .ok_or_else(|| damaged(id, "too short"))?;
    if size > MAX_BLOCK {
        return Err(damaged(id, "implausible size"));
    }
    let bytes = lz4_flex::decompress_size_prepended(body)
        .map_err(|e| damaged(id, &format!("cannot decompress: {e}")))?;
    String::from_utf8(bytes).map_err(|_| damaged(id, "not UTF-8 text"))
}

/// The text at `span` of block `id`'s decompressed `text`.
pub fn slice(id: i64, text: &str, span: Span) -> Result<&str, EngineError> {
    let start = span.offset as usize;
    let end = start.saturating_add(span.len as usize);
    text.get(start..end)
        .ok_or_else(|| damaged(id, "an event's span lies outside the block"))
}

/// Store a packed block; returns its id.
pub async fn insert(
    conn: &mut SqliteConnection,
    connection_id: i64,
    last_ms: i64,
    packed: &Packed,
) -> Result<i64, EngineError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO event_raw_pages (connection_id, last_ms, codec, body) \
         VALUES (?, ?, ?, ?) RETURNING id",
    )
    .bind(connection_id)
    .bind(last_ms)
    .bind(CODEC_LZ4)
    .bind(&packed.body)
    .fetch_one(&mut *conn)
    .await?)
}

/// The raw Graph JSON of one stored event: Graph id `event_id` at
/// `activity_ms` (the events' unique key). `None`: no such event.
pub async fn raw_json(
    pool: &SqlitePool,
    connection_id: i64,
    activity_ms: i64,
    event_id: &str,
) -> Result<Option<String>, EngineError> {
    RawReader::default()
        .get(pool, connection_id, activity_ms, event_id)
        .await
}

/// Reads events' raw JSON, keeping the last decompressed block: reading the
/// events of a time range (an export) decompresses each block once.
#[derive(Debug, Default)]
pub struct RawReader {
    block: Option<(i64, String)>,
}

impl RawReader {
    /// The raw Graph JSON of one stored event (see [`raw_json`]).
    pub async fn get(
        &mut self,
        pool: &SqlitePool,
        connection_id: i64,
        activity_ms: i64,
        event_id: &str,
    ) -> Result<Option<String>, EngineError> {
        type Row = (String, Option<i64>, Option<i64>, Option<i64>);
        let row: Option<Row> = sqlx::query_as(
            "SELECT raw_json, raw_page, raw_offset, raw_len FROM provisioning_events \
             WHERE connection_id = ? AND activity_ms = ? AND event_id = ?",
        )
        .bind(connection_id)
        .bind(activity_ms)
        .bind(event_id)
        .fetch_optional(pool)
        .await?;
        let Some((text, page, offset, len)) = row else {
            return Ok(None);
        };
        // Before migration 0006 the text was stored inline.
        let Some(page) = page else {
            return Ok(Some(text));
        };
        let span = match (offset.map(u32::try_from), len.map(u32::try_from)) {
            (Some(Ok(offset)), Some(Ok(len))) => Span { offset, len },
            _ => return Err(damaged(page, "an event's span is missing or out of range")),
        };
        if self.block.as_ref().is_none_or(|(id, _)| *id != page) {
            let block: Option<(String, Vec<u8>)> =
                sqlx::query_as("SELECT codec, body FROM event_raw_pages WHERE id = ?")
                    .bind(page)
                    .fetch_optional(pool)
                    .await?;
            let Some((codec, body)) = block else {
                return Err(EngineError::Io(format!(
                    "the raw JSON block {page} of event {event_id} is missing from the store; \
                     the event's columns are intact, only its raw Graph JSON cannot be shown"
                )));
            };
            self.block = Some((page, unpack(page, &codec, &body)?));
        }
        let text = self.block.as_ref().map_or("", |(_, t)| t.as_str());
        Ok(Some(slice(page, text, span)?.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pack_then_unpack_gives_each_text_back() {
        let texts = ["{\"id\":\"a\"}", "", "{\"id\":\"é\",\"x\":[1,2,3]}"];
        let p = pack(texts).unwrap();
        let text = unpack(7, CODEC_LZ4, &p.body).unwrap();
        for (t, s) in texts.iter().zip(&p.spans) {
            assert_eq!(slice(7, &text, *s).unwrap(), *t);
        }
    }

    #[test]
    fn repeated_json_compresses() {
        let one = r#"{"id":"0000","servicePrincipal":{"id":"7c1f","displayName":"Contoso SCIM"},"provisioningSteps":[{"name":"EntryImportAdd","status":"success"}]}"#;
        let texts: Vec<String> = (0..500)
            .map(|i| one.replace("0000", &format!("{i:04}")))
            .collect();
        let raw: usize = texts.iter().map(String::len).sum();
        let p = pack(texts.iter().map(String::as_str)).unwrap();
        assert!(p.body.len() * 5 < raw, "{} of {raw}", p.body.len());
    }

    #[test]
    fn damaged_blocks_are_errors_that_say_so() {
        let p = pack(["{\"a\":1}"]).unwrap();
        for (codec, body) in [
            ("zstd", p.body.clone()),
            (CODEC_LZ4, vec![1, 2]),
            (CODEC_LZ4, vec![0xff, 0xff, 0xff, 0x7f, 0]),
            (CODEC_LZ4, {
                let mut b = p.body.clone();
                b.truncate(b.len() - 2);
                b
            }),
        ] {
            let e = unpack(3, codec, &body).unwrap_err().to_string();
            assert!(e.contains("block 3") && e.contains("damaged"), "{e}");
        }
        let text = unpack(3, CODEC_LZ4, &p.body).unwrap();
        let e = slice(3, &text, Span { offset: 5, len: 10 }).unwrap_err();
        assert!(e.to_string().contains("outside the block"));
    }
}
