//! The computed summary as JSON: every cell with its statistics and comparison.

use buildbench_model::Study;

use super::Exporter;
use crate::StudySummary;
use crate::view::{Block, View};

pub struct Json;

impl Exporter for Json {
    fn extension(&self) -> &'static str {
        "json"
    }

    fn render(&self, _: &Study, summary: &StudySummary) -> Vec<u8> {
        crate::format::json(summary).into_bytes()
    }

    /// The view's text and tables as JSON. Commands write their own JSON value instead (it is
    /// data, not a view: `export::write`); this serves a view that has none.
    fn view(&self, view: &View) -> Vec<u8> {
        let sections: Vec<serde_json::Value> = view
            .sections
            .iter()
            .map(|s| {
                let blocks: Vec<serde_json::Value> = s
                    .blocks
                    .iter()
                    .filter_map(|b| match b {
                        Block::Paragraph(t) | Block::Note(t) => Some(serde_json::json!({ "text": t.plain() })),
                        Block::Table(t) => Some(serde_json::json!({ "header": t.header, "rows": t.rows })),
                        Block::List(items) => {
                            Some(serde_json::json!({ "list": items.iter().map(|i| i.plain()).collect::<Vec<_>>() }))
                        }
                        Block::Code { label, text } => Some(serde_json::json!({ "label": label, "code": text })),
                        Block::Figure { .. } => None,
                    })
                    .collect();
                serde_json::json!({ "heading": s.heading, "blocks": blocks })
            })
            .collect();
        crate::format::json(&serde_json::json!({ "title": view.title, "sections": sections })).into_bytes()
    }
}
