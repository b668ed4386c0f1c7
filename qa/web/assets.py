"""The page's own stylesheet and script, inlined so the page loads nothing from elsewhere."""

from __future__ import annotations

CSS = """
.qa-header h1 { margin: 0 0 .2rem; font-size: 1.6rem; }
.qa-header p { margin: 0; color: var(--body-text-color-subdued); }
.qa-answer p, .qa-question p { margin: 0 0 .5em; }
.qa-answer p:last-of-type { margin-bottom: .3em; }
.qa-cite {
  display: inline-block; margin: 0 .15em; padding: 0 .35em; border-radius: .45em;
  font-size: .8em; font-weight: 600; line-height: 1.45; text-decoration: none !important;
  border: 1px solid var(--color-accent); background: var(--color-accent-soft);
  color: var(--color-accent) !important; cursor: pointer;
}
a.qa-cite:hover { background: var(--color-accent); color: white !important; }
.qa-cite.qa-unverified { border-style: dashed; border-color: #c77700; background: #fff4e0; color: #8a4b00 !important; }
.qa-cite.qa-unverified::after { content: "?"; }
.qa-cite.qa-pending { opacity: .7; cursor: default; }
.qa-meta {
  display: flex; flex-wrap: wrap; gap: .35em .8em; align-items: center; margin-top: .35em;
  font-size: .82em; color: var(--body-text-color-subdued);
}
.qa-badge, .qa-confidence {
  padding: .1em .65em; border-radius: 999px; border: 1px solid var(--border-color-primary);
  background: var(--background-fill-secondary); white-space: nowrap;
}
.qa-badge.qa-generated { border-color: #2e7d32; color: #1b5e20; background: #e8f5e9; }
.qa-badge.qa-quoted { border-color: #1565c0; color: #0d47a1; background: #e3f2fd; white-space: normal; }
.qa-confidence { border-color: #9e9e9e; color: #424242; background: #fafafa; }
.qa-badge code { font-size: .95em; background: none; padding: 0; }
.qa-rewritten { font-style: italic; }
.qa-abstain { font-style: italic; }
.qa-warning, .qa-warn { color: #8a4b00; }
.qa-warn { font-weight: 600; font-size: .85em; margin-left: .3em; }
.qa-error { border-left: 4px solid #c62828; padding-left: .6em; }
.qa-error .qa-hint { font-style: italic; }
.qa-cursor::after { content: "\\258D"; animation: qa-blink 1s steps(2) infinite; }
@keyframes qa-blink { 50% { opacity: 0; } }
.qa-panel { max-height: 78vh; overflow-y: auto; padding: .2rem .4rem .4rem; }
.qa-panel-head { font-weight: 600; font-size: 1.05em; margin: .2em 0 .4em; }
.qa-panel .qa-badge { display: inline-block; margin: .1em 0 .3em; font-size: .82em; }
.qa-panel .qa-rewritten { font-size: .9em; color: var(--body-text-color-subdued); margin-bottom: .3em; }
.qa-empty { color: var(--body-text-color-subdued); }
.qa-source {
  border: 1px solid var(--border-color-primary); border-radius: .5em; padding: .5em .75em;
  margin: .6em 0; background: var(--background-fill-primary);
}
.qa-source.qa-unverified { border: 1px dashed #c77700; }
.qa-source summary { cursor: pointer; line-height: 1.6; }
.qa-card-n { font-weight: 700; color: var(--color-accent); margin-right: .2em; }
.qa-near .qa-card-n { color: var(--body-text-color-subdued); }
.qa-file { font-family: var(--font-mono); font-size: .85em; overflow-wrap: anywhere; }
.qa-lines { font-size: .85em; color: var(--body-text-color-subdued); }
.qa-also, .qa-quote { font-size: .85em; color: var(--body-text-color-subdued); margin-top: .3em; }
.qa-heading { font-size: .85em; font-weight: 600; margin-top: .3em; }
#qa-sources .qa-passage {
  margin: .45em 0 .1em; padding: .2em 0 .2em .75em; border-left: 3px solid var(--border-color-primary);
  white-space: pre-wrap; line-height: 1.55; font-size: .95em;
}
mark.qa-hl { background: #fff0a0; color: #111; padding: 0 .1em; border-radius: .2em; }
mark.qa-hl.qa-unverified { background: #ffe0b2; text-decoration: underline dashed #c77700; }
.qa-hl-n { font-size: .72em; font-weight: 600; color: var(--color-accent); margin-left: .1em; }
.qa-flash { animation: qa-flash 1.8s ease-out; }
@keyframes qa-flash { 0% { box-shadow: 0 0 0 3px var(--color-accent); } 100% { box-shadow: 0 0 0 3px transparent; } }
.qa-timings, .qa-partial { margin-top: .8em; font-size: .85em; color: var(--body-text-color-subdued); }
.qa-timings summary, .qa-partial summary { cursor: pointer; }
.qa-timing-grid { display: grid; grid-template-columns: max-content max-content; gap: .05em 1.2em; margin: .3em 0 0 1em; }
.qa-timing-grid span:nth-child(even) { text-align: right; font-variant-numeric: tabular-nums; }
#qa-examples-label { margin-bottom: -.6em; }
.qa-examples-label { font-size: .9em; color: var(--body-text-color-subdued); margin: 0; }
/* The empty chat's text keeps clear of the box's edge. */
#qa-chat .placeholder-content, #qa-chat .placeholder { padding: 1.2rem 1.5rem; }
/* Tools (new conversation, export, copy) are outlined and square-ish; example questions are chips. */
#qa-tools { gap: .5rem; justify-content: flex-start; }
#qa-tools button, #qa-tools a, .qa-tool { flex: 0 0 auto !important; width: auto !important;
  border-radius: .4em !important; border: 1px solid var(--border-color-primary) !important;
  background: var(--background-fill-primary) !important; }
.qa-example { border-radius: 999px !important; background: var(--color-accent-soft) !important;
  border: 1px solid transparent !important; }
.qa-scope { font-size: .82em; color: var(--body-text-color-subdued); margin-bottom: .35em; }
.qa-stopped-note { font-size: .85em; color: #8a4b00; font-style: italic; }
.qa-copy { font-size: .95em; padding: .05em .6em; border-radius: .4em; cursor: pointer;
  border: 1px solid var(--border-color-primary); background: var(--background-fill-primary);
  color: var(--body-text-color-subdued); }
.qa-plain { display: none; }
/* The chat's own clear icon overlaps the messages once they scroll; "New conversation" does the same. */
#qa-chat button[aria-label="Clear"] { display: none !important; }
.qa-copy:hover { color: var(--body-text-color); }
.qa-heading { font-size: .85em; color: var(--body-text-color-subdued); margin-top: .25em; }
.qa-open { display: inline-block; margin-top: .35em; font-size: .85em; }
.qa-doclist table.qa-docs { width: 100%; border-collapse: collapse; font-size: .88em; border: none !important; }
.qa-docs th, .qa-docs td { text-align: left; padding: .25em .4em; border: none !important;
  border-bottom: 1px solid var(--border-color-primary) !important; }
.qa-docs td:last-child { white-space: nowrap; }
.qa-docs .qa-num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.qa-doc-count { font-size: .88em; color: var(--body-text-color-subdued); margin: .2em 0 .4em; }
.qa-skipped ul { margin: .2em 0 0 1.1em; font-size: .88em; }
.qa-uploads { list-style: none; margin: .3em 0; padding: 0; font-size: .88em; }
.qa-uploads li { margin: .2em 0; }
.qa-up-indexed .qa-up-icon { color: #2e7d32; }
.qa-up-refused .qa-up-icon, .qa-up-refused .qa-up-state { color: #c62828; }
.qa-docview .qa-doc-text { white-space: pre-wrap; line-height: 1.55; font-size: .92em; max-height: 70vh;
  overflow-y: auto; padding: .3em .5em; border: 1px solid var(--border-color-primary); border-radius: .4em; }
/* Gradio's footer separator is left alone on a narrow screen once the other links are gone. */
footer .divider, footer .separator { display: none !important; }
"""

# A click on an [n] marker opens and scrolls to its passage. When the marker belongs to an older
# answer, the panel is being switched to that answer's sources by the server, so wait for it.
HEAD = """
<script>
(() => {
  function reveal(id) {
    const target = document.getElementById(id);
    if (!target) return false;
    if (target.tagName === "DETAILS") target.open = true;
    target.scrollIntoView({ behavior: "smooth", block: "nearest" });
    target.classList.remove("qa-flash");
    void target.offsetWidth;
    target.classList.add("qa-flash");
    return true;
  }
  document.addEventListener("click", (event) => {
    const link = event.target instanceof Element ? event.target.closest("a.qa-cite") : null;
    if (!link) return;
    event.preventDefault();
    const id = decodeURIComponent((link.getAttribute("href") || "").slice(1));
    if (!id || reveal(id)) return;
    const observer = new MutationObserver(() => { if (reveal(id)) observer.disconnect(); });
    observer.observe(document.body, { childList: true, subtree: true });
    setTimeout(() => observer.disconnect(), 5000);
  }, true);
  async function copy(text) {
    try { await navigator.clipboard.writeText(text); return true; } catch (e) {}
    const area = document.createElement("textarea");  // without clipboard permission: the old way
    area.value = text; document.body.appendChild(area); area.select();
    const ok = document.execCommand("copy"); area.remove(); return ok;
  }
  window.qaCopy = copy;
  document.addEventListener("click", async (event) => {
    const button = event.target instanceof Element ? event.target.closest("button.qa-copy") : null;
    if (!button) return;
    event.preventDefault(); event.stopPropagation();
    const source = button.closest(".qa-answer")?.querySelector(".qa-plain");
    const done = await copy(source ? source.textContent : "");
    button.textContent = done ? "Copied" : "Copy failed";
    setTimeout(() => { button.textContent = "Copy"; }, 1500);
  }, true);
  // "Open document" on a source: ask the server for the whole text, then scroll to the passage.
  document.addEventListener("click", (event) => {
    const link = event.target instanceof Element ? event.target.closest("a.qa-open") : null;
    if (!link) return;
    event.preventDefault();
    const box = document.querySelector("#qa-open-request textarea, #qa-open-request input");
    if (!box) return;
    const start = link.dataset.start, end = link.dataset.end;
    box.value = JSON.stringify({ source: link.dataset.source, start: start ? Number(start) : null,
      end: end ? Number(end) : null, nonce: Date.now() });
    box.dispatchEvent(new Event("input", { bubbles: true }));
  }, true);
  new MutationObserver(() => {
    const hit = document.querySelector("#qa-docview mark#qa-doc-hit:not([data-seen])");
    if (hit && hit.offsetParent !== null) {
      hit.dataset.seen = "1";
      hit.scrollIntoView({ block: "center" });
    }
  }).observe(document.documentElement, { childList: true, subtree: true, attributes: true });
})();
</script>
"""
