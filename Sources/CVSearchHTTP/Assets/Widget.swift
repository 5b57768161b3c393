/// `/widget.js`: the search box as a drop-in script, used by the demo page too.
///
/// ```html
/// <div id="cvsearch"></div>
/// <script src="https://search.example.com/widget.js" data-endpoint="https://search.example.com/search"></script>
/// ```
/// Optional attributes: `data-target` (the element's id, default `cvsearch`), `data-limit`,
/// `data-placeholder`. Plain JavaScript, no dependencies, no external assets.
enum Widget {
    static let javascript = #"""
        (function () {
          "use strict";
          var script = document.currentScript;
          var base = script && script.src ? new URL(script.src, location.href) : new URL(location.href);
          var endpoint = (script && script.getAttribute("data-endpoint")) || new URL("/search", base).href;
          var targetId = (script && script.getAttribute("data-target")) || "cvsearch";
          var limit = parseInt((script && script.getAttribute("data-limit")) || "8", 10);
          var placeholder = (script && script.getAttribute("data-placeholder")) || "Search projects, papers, skills… 搜索项目、论文、技能…";

          var css = [
            ".cvs{font:15px/1.5 system-ui,-apple-system,'Segoe UI','Noto Sans CJK SC','PingFang SC',sans-serif;color:#1d2330}",
            ".cvs-input{box-sizing:border-box;width:100%;padding:12px 14px;font:inherit;font-size:16px;border:1px solid #c9ced8;border-radius:10px;background:#fff;outline:none}",
            ".cvs-input:focus{border-color:#3b6fd8;box-shadow:0 0 0 3px rgba(59,111,216,.18)}",
            ".cvs-status{min-height:20px;margin:8px 2px;font-size:13px;color:#5b6475}",
            ".cvs-note{margin:0 2px 8px;font-size:13px;color:#7a5a00}",
            ".cvs-list{list-style:none;margin:0;padding:0}",
            ".cvs-item{margin:0 0 8px;padding:10px 12px;border:1px solid #e3e6ec;border-radius:10px;background:#fff;cursor:pointer}",
            ".cvs-item[aria-selected=true]{border-color:#3b6fd8;background:#f3f7ff}",
            ".cvs-title{font-weight:600;color:#1f4bb0;text-decoration:none}",
            ".cvs-badge{display:inline-block;margin-left:8px;padding:0 7px;border-radius:9px;font-size:12px;font-weight:500;background:#eef1f6;color:#4b5565;vertical-align:1px}",
            ".cvs-partial{background:#fff4d6;color:#7a5a00}",
            ".cvs-snippet{margin-top:3px;font-size:14px;color:#3c4454}",
            ".cvs mark{background:#ffe58a;color:inherit;border-radius:2px;padding:0 1px}",
            ".cvs-empty{padding:16px 4px;color:#5b6475}"
          ].join("");

          function el(tag, cls, text) {
            var e = document.createElement(tag);
            if (cls) e.className = cls;
            if (text != null) e.textContent = text;
            return e;
          }

          function init() {
            var root = document.getElementById(targetId);
            if (!root || root.getAttribute("data-cvs-ready")) return;
            root.setAttribute("data-cvs-ready", "1");
            if (!document.getElementById("cvs-style")) {
              var style = el("style");
              style.id = "cvs-style";
              style.textContent = css;
              document.head.appendChild(style);
            }
            root.classList.add("cvs");
            var listId = targetId + "-results";
            var input = el("input", "cvs-input");
            input.type = "search";
            input.placeholder = placeholder;
            input.autocomplete = "off";
            input.spellcheck = false;
            input.setAttribute("role", "combobox");
            input.setAttribute("aria-autocomplete", "list");
            input.setAttribute("aria-expanded", "false");
            input.setAttribute("aria-controls", listId);
            input.setAttribute("aria-label", "Search");
            var status = el("div", "cvs-status");
            status.setAttribute("aria-live", "polite");
            var notes = el("div");
            var list = el("ul", "cvs-list");
            list.id = listId;
            list.setAttribute("role", "listbox");
            root.appendChild(input);
            root.appendChild(status);
            root.appendChild(notes);
            root.appendChild(list);

            // stale: the box changed since the results were rendered (Enter must search, not open).
            var composing = false, stale = false, timer = null, controller = null, sequence = 0, active = -1, hits = [];

            function schedule(delay) {
              clearTimeout(timer);
              timer = setTimeout(run, delay);
            }

            function clearSelection() {
              active = -1;
              input.removeAttribute("aria-activedescendant");
              var items = list.querySelectorAll(".cvs-item");
              for (var i = 0; i < items.length; i++) items[i].setAttribute("aria-selected", "false");
            }

            function clearResults() {
              list.textContent = ""; notes.textContent = ""; hits = [];
              clearSelection();
              input.setAttribute("aria-expanded", "false");
            }

            function setActive(index) {
              var items = list.querySelectorAll(".cvs-item");
              if (!items.length || stale) { active = -1; return; }
              active = (index + items.length) % items.length;
              for (var i = 0; i < items.length; i++) items[i].setAttribute("aria-selected", i === active ? "true" : "false");
              input.setAttribute("aria-activedescendant", items[active].id);
              items[active].scrollIntoView({ block: "nearest" });
            }

            function open(index) {
              var hit = hits[index];
              if (hit && hit.url) location.href = hit.url;
            }

            function render(data, query) {
              clearResults();
              stale = false;
              hits = data.hits || [];
              (data.notes || []).forEach(function (text) {
                notes.appendChild(el("p", "cvs-note", text.charAt(0).toUpperCase() + text.slice(1)));
              });
              if (!hits.length) {
                list.appendChild(el("li", "cvs-empty", "No results for “" + query + "”. Try fewer words, or English/中文."));
                status.textContent = "";
                input.setAttribute("aria-expanded", "false");
                return;
              }
              hits.forEach(function (hit, i) {
                var item = el("li", "cvs-item");
                item.id = listId + "-" + i;
                item.setAttribute("role", "option");
                item.setAttribute("aria-selected", "false");
                var title = el(hit.url ? "a" : "span", "cvs-title");
                if (hit.url) title.href = hit.url;
                title.innerHTML = hit._formatted.title;   // escaped by the server, <mark> only
                item.appendChild(title);
                item.appendChild(el("span", "cvs-badge", hit.type));
                if (hit.partial) {
                  item.appendChild(el("span", "cvs-badge cvs-partial", "missing: " + (hit.missingTerms || []).join(", ")));
                }
                var snippet = el("div", "cvs-snippet");
                snippet.innerHTML = hit._formatted.snippet;
                item.appendChild(snippet);
                item.addEventListener("mousedown", function (event) {
                  if (event.target.tagName !== "A") { event.preventDefault(); open(i); }
                });
                list.appendChild(item);
              });
              var total = data.estimatedTotalHits, ms = data.processingTimeMs;
              status.textContent = total + (total === 1 ? " result" : " results") + " · " + (ms < 1 ? "< 1" : Math.round(ms)) + " ms";
              input.setAttribute("aria-expanded", "true");
            }

            function run() {
              var query = input.value;
              if (!query.trim()) {
                if (controller) controller.abort();
                clearResults();
                status.textContent = "";
                stale = false;
                return;
              }
              if (controller) controller.abort();
              controller = typeof AbortController === "function" ? new AbortController() : null;
              var mine = ++sequence;
              var url = endpoint + (endpoint.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(query) + "&limit=" + limit;
              status.textContent = "Searching…";
              fetch(url, controller ? { signal: controller.signal } : {})
                .then(function (response) {
                  return response.json().then(function (body) { return { ok: response.ok, body: body }; });
                })
                .then(function (result) {
                  if (mine !== sequence) return;   // a newer query is on its way
                  if (!result.ok) {
                    clearResults();
                    stale = false;
                    status.textContent = (result.body && result.body.error && result.body.error.message) || "Search failed";
                    return;
                  }
                  render(result.body, query);
                })
                .catch(function (error) {
                  if (error && error.name === "AbortError") return;
                  if (mine === sequence) status.textContent = "Search is unavailable right now.";
                });
            }

            // Input methods (pinyin, zhuyin, kana): search when the composition ends, not on
            // every keystroke of it.
            input.addEventListener("compositionstart", function () { composing = true; clearTimeout(timer); });
            input.addEventListener("compositionend", function () { composing = false; stale = true; clearSelection(); schedule(0); });
            input.addEventListener("input", function (event) {
              stale = true;
              clearSelection();
              if (composing || event.isComposing) return;
              schedule(150);
            });
            input.addEventListener("keydown", function (event) {
              if (event.isComposing || composing) return;
              if (event.key === "ArrowDown") { event.preventDefault(); setActive(active + 1); }
              else if (event.key === "ArrowUp") { event.preventDefault(); setActive(active - 1); }
              else if (event.key === "Enter") {
                event.preventDefault();
                if (active >= 0 && !stale) open(active); else { clearTimeout(timer); run(); }
              } else if (event.key === "Escape") { input.value = ""; run(); }
            });
          }

          if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
          else init();
        })();
        """#
}
