//! Accessibility, checked by axe-core (Deque's rules engine, the one behind browsers' accessibility
//! audits) in the page as the browser shows it: [`Page::axe_violations`] runs it on the whole
//! document against WCAG 2.0 and 2.1, levels A and AA, and axe's best practices.
//!
//! `cargo xtask test` installs axe-core from npm (a pinned version, `xtask/src/tools.rs`) and names
//! its `axe.min.js` in `AXE_CORE_JS`. The page's Content Security Policy lets no script but the
//! app's own run; a script run over WebDriver is not subject to it (in Chromium and Firefox), so
//! axe's source is sent as the body of such a script, and defines `window.axe` for the next one.

use std::fmt;
use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::json;

use crate::page::Page;

/// The environment variable that names axe-core's `axe.min.js`.
pub const AXE_CORE_ENV: &str = "AXE_CORE_JS";

/// The rules run: axe's tags for WCAG 2.0 and 2.1 at levels A and AA, and its best practices.
pub const RULE_TAGS: [&str; 5] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];

/// How many of a violation's elements are named.
const TARGETS_SHOWN: usize = 5;

/// Starts `axe.run` on the document; its outcome lands in `window.__e2eAxe`.
const RUN: &str = r#"
const [tags, shown] = arguments;
window.__e2eAxe = null;
axe.run(document, { runOnly: tags, resultTypes: ['violations'] }).then(
  (results) => {
    window.__e2eAxe = {
      violations: results.violations.map((v) => ({
        id: v.id,
        impact: v.impact || '',
        help: v.help,
        helpUrl: v.helpUrl,
        nodes: v.nodes.length,
        targets: v.nodes.slice(0, shown).map((n) => [].concat(n.target).flat().join(' ')),
      })),
    };
  },
  (error) => { window.__e2eAxe = { error: String((error && error.stack) || error) }; },
);
return null;
"#;

/// One rule the page breaks, and where.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AxeViolation {
    /// The rule, e.g. `color-contrast`.
    pub id: String,
    /// `minor`, `moderate`, `serious` or `critical`.
    pub impact: String,
    /// What the rule asks for, in a sentence.
    pub help: String,
    pub help_url: String,
    /// How many elements break it.
    pub nodes: u64,
    /// The CSS selectors of the first of them.
    pub targets: Vec<String>,
}

impl fmt::Display for AxeViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}): {} ({} element{}: {}",
            self.id,
            self.impact,
            self.help,
            self.nodes,
            if self.nodes == 1 { "" } else { "s" },
            self.targets.join(", ")
        )?;
        if self.nodes > self.targets.len() as u64 {
            write!(f, ", …")?;
        }
        write!(f, ") {}", self.help_url)
    }
}

/// axe-core's `axe.min.js`, read once.
fn axe_source() -> &'static str {
    static SOURCE: OnceLock<String> = OnceLock::new();
    SOURCE.get_or_init(|| {
        let path = std::env::var_os(AXE_CORE_ENV).unwrap_or_default();
        std::fs::read_to_string(&path).unwrap_or_else(|e| {
            let path = path.to_string_lossy();
            panic!(
                "{AXE_CORE_ENV}={path:?}: cannot read axe-core's axe.min.js ({e}); run the \
                 accessibility tests with `cargo xtask test`, which installs axe-core and sets it"
            )
        })
    })
}

impl Page {
    /// Runs axe-core on the current tab's document as it is now, with [`RULE_TAGS`], and returns
    /// what it finds. Injects axe-core first when the document does not have it yet.
    pub async fn axe_violations(&self) -> Vec<AxeViolation> {
        let present = self.run("return typeof window.axe;", vec![]).await;
        if present != json!("object") {
            let script = format!("{}\nreturn typeof window.axe;", axe_source());
            let defined = self.run(&script, vec![]).await;
            let browser = self.browser();
            assert_eq!(
                defined,
                json!("object"),
                "{browser}: axe-core defined no window.axe"
            );
        }
        self.run(RUN, vec![json!(RULE_TAGS), json!(TARGETS_SHOWN)])
            .await;
        let outcome = self
            .wait_until(
                || "axe-core to finish".to_owned(),
                || async {
                    let outcome = self.run("return window.__e2eAxe;", vec![]).await;
                    (!outcome.is_null()).then_some(outcome)
                },
            )
            .await;
        if let Some(error) = outcome["error"].as_str() {
            panic!("{}: axe-core failed: {error}", self.browser());
        }
        serde_json::from_value(outcome["violations"].clone()).unwrap_or_else(|e| {
            panic!("{}: axe-core's violations do not read: {e}", self.browser())
        })
    }
}

/// What axe-core found over the states a scenario goes through, so that one run reports every
/// state's violations, not only the first state's.
#[derive(Debug, Default)]
pub struct Audit {
    failures: Vec<String>,
}

impl Audit {
    /// Runs axe-core on the current tab; `state` says what it shows (e.g. "the library, loaded").
    pub async fn check(&mut self, page: &Page, state: &str) {
        let violations = page.axe_violations().await;
        if violations.is_empty() {
            return;
        }
        let listed: Vec<String> = violations.iter().map(ToString::to_string).collect();
        self.failures.push(format!(
            "{}: {state} at {}: {} axe-core violation{}:\n  {}",
            page.browser(),
            page.url().await,
            violations.len(),
            if violations.len() == 1 { "" } else { "s" },
            listed.join("\n  ")
        ));
    }

    /// Fails, listing every violation of every state checked, when there was any.
    pub fn assert_none(self) {
        if !self.failures.is_empty() {
            panic!("{}", self.failures.join("\n"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Guards against a finding of axe-core lost or misread on its way from the page: its fields
    // are camelCase there, and a missing impact must not drop the whole list.
    #[test]
    fn reads_axe_cores_findings_and_names_them() {
        let found = json!([
            {
                "id": "color-contrast", "impact": "serious", "help": "Enough contrast",
                "helpUrl": "https://dequeuniversity.com/rules/axe/4.14/color-contrast",
                "nodes": 7, "targets": ["#faint", "p > span"],
            },
            { "id": "region", "help": "Content in landmarks", "nodes": 1, "targets": ["#x"] },
        ]);
        let violations: Vec<AxeViolation> = serde_json::from_value(found).expect("they read");
        let url = "https://dequeuniversity.com/rules/axe/4.14/color-contrast";
        assert_eq!(violations[0].help_url, url);
        assert_eq!(violations[1].impact, "");
        assert_eq!(
            violations[0].to_string(),
            "color-contrast (serious): Enough contrast (7 elements: #faint, p > span, …) \
             https://dequeuniversity.com/rules/axe/4.14/color-contrast"
        );
        assert_eq!(
            violations[1].to_string(),
            "region (): Content in landmarks (1 element: #x) "
        );
    }
}
