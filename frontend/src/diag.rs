//! Diagnostics: first-class data with a rustc/ruff-style rendering.

/// A source range; lines and columns are 1-based, columns count Unicode scalar values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, PartialOrd, Ord, Hash)]
pub struct Span {
    pub line: u32,
    pub col: u32,
    pub end_line: u32,
    pub end_col: u32,
}

impl From<Span> for stent_ir::v1::Span {
    fn from(s: Span) -> Self {
        stent_ir::v1::Span {
            line: s.line,
            col: s.col,
            end_line: s.end_line,
            end_col: s.end_col,
        }
    }
}

impl From<stent_ir::v1::Span> for Span {
    fn from(s: stent_ir::v1::Span) -> Self {
        Span {
            line: s.line,
            col: s.col,
            end_line: s.end_line,
            end_col: s.end_col,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    pub span: Span,
    pub label: String,
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn error(
        code: &'static str,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            span,
            label: label.into(),
            hint: None,
        }
    }

    pub fn warning(
        code: &'static str,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message, span, label)
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Renders the diagnostic like rustc/ruff:
    ///
    /// ```text
    /// error[E012]: message
    ///  --> file:3:5
    ///   |
    /// 3 |     source line
    ///   |     ^^^^ label
    ///   = hint: ...
    /// ```
    pub fn render(&self, path: &str, source: &str) -> String {
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let line_no = self.span.line.max(1);
        let line_text = source.lines().nth(line_no as usize - 1).unwrap_or("");
        let gutter = line_no.to_string().len();
        let pad = " ".repeat(gutter);
        let mut out = format!(
            "{kind}[{}]: {}\n{pad}--> {path}:{}:{}\n{pad} |\n",
            self.code,
            self.message,
            line_no,
            self.span.col.max(1)
        );
        out.push_str(&format!("{line_no} | {}\n", line_text.trim_end()));
        let line_len = line_text.trim_end().chars().count() as u32;
        let start = self.span.col.max(1);
        let end = if self.span.end_line == self.span.line && self.span.end_col > start {
            self.span.end_col
        } else {
            (line_len + 1).max(start + 1)
        };
        let caret_pad: String = line_text
            .chars()
            .take(start as usize - 1)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        let carets = "^".repeat((end - start) as usize);
        let label = if self.label.is_empty() {
            String::new()
        } else {
            format!(" {}", self.label)
        };
        out.push_str(&format!("{pad} | {caret_pad}{carets}{label}\n"));
        if let Some(hint) = &self.hint {
            out.push_str(&format!("{pad} = hint: {hint}\n"));
        }
        out
    }
}
