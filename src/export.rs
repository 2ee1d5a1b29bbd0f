//! Rendering rows for export: CSV (RFC 4180 quoting, with spreadsheet formula injection
//! neutralised) and JSON Lines.

use serde_json::Value;

/// One CSV field: quoted when it holds a comma, quote or line break; a leading `=`, `+`,
/// `-`, `@`, tab or carriage return gets a `'` so spreadsheets do not run it as a formula.
pub fn csv_field(value: &str) -> String {
    let guarded = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

/// A CSV document: the header line, then one line per row, fields in `columns` order.
pub fn to_csv(columns: &[&str], rows: &[Value]) -> String {
    let mut out = columns.join(",");
    out.push_str("\r\n");
    for row in rows {
        let fields: Vec<String> = columns
            .iter()
            .map(|c| match &row[*c] {
                Value::Null => String::new(),
                Value::String(s) => csv_field(s),
                other => csv_field(&other.to_string()),
            })
            .collect();
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    }
    out
}

/// JSON Lines: one compact JSON object per line.
pub fn to_json_lines(rows: &[Value]) -> String {
    rows.iter().map(|r| format!("{r}\n")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        let csv = to_csv(
            &["a", "b"],
            &[
                json!({"a": "x", "b": 1}),
                json!({"a": null, "b": "line\nbreak"}),
            ],
        );
        assert_eq!(csv, "a,b\r\nx,1\r\n,\"line\nbreak\"\r\n");
    }
}
