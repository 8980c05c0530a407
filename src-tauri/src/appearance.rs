//! The window's theme before its first paint: Settings → Appearance is
//! stored by the engine, and this plugin's init script (run by the web view
//! at document start, before the page's own scripts and before anything is
//! painted) puts it on `<html data-theme>`, so a chosen Dark never flashes
//! light at start. The UI's switch changes the attribute at once itself.

use scimwatch_core::settings::Theme;
use tauri::plugin::TauriPlugin;
use tauri::Runtime;

/// The init script for `theme`: `data-theme` (absent for System, which
/// follows `prefers-color-scheme`) and `data-theme-boot`, which only this
/// script writes (the end-to-end test reads it to know the theme came
/// from here).
pub fn boot_script(theme: Theme) -> String {
    let value = match theme.attribute() {
        Some(a) => format!("\"{a}\""),
        None => "null".to_string(),
    };
    format!(
        r#"(function () {{
  var t = {value};
  function apply(e) {{
    if (t) e.setAttribute("data-theme", t);
    e.setAttribute("data-theme-boot", t || "system");
  }}
  if (document.documentElement) return apply(document.documentElement);
  new MutationObserver(function (_, o) {{
    if (document.documentElement) {{
      o.disconnect();
      apply(document.documentElement);
    }}
  }}).observe(document, {{ childList: true }});
}})();"#
    )
}

/// A command-less plugin whose only job is the init script.
pub fn plugin<R: Runtime>(theme: Theme) -> TauriPlugin<R> {
    tauri::plugin::Builder::new("scimwatch-theme")
        .js_init_script(boot_script(theme))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_boot_script_sets_the_stored_theme_and_nothing_for_system() {
        let dark = boot_script(Theme::Dark);
        assert!(dark.contains(r#"var t = "dark";"#), "{dark}");
        assert!(boot_script(Theme::Light).contains(r#"var t = "light";"#));
        let system = boot_script(Theme::System);
        assert!(system.contains("var t = null;"), "{system}");
        // The only attributes it writes; no remote resource, no eval.
        for s in [&dark, &system] {
            assert!(!s.contains("http") && !s.contains("eval"), "{s}");
        }
    }
}
