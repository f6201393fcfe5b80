/* Convolutional Networks, Computed: the static page's figures and frozen widgets.
 *
 * 1. Frozen widgets: every book widget is displayed under a "Snapshot · Run this
 *    chapter live" badge (cnnlib/widgets/_base.py), hidden except on this page
 *    (book.css).  Point its link at the chapter's live copy, the same URL as the
 *    "Run this chapter live" button under the title.  A widget stored before the
 *    badge existed gets one added here.
 * 2. Tap-to-zoom: a figure (a cell's image output or a {figure}) opens full size
 *    over the page on a click or tap; another click, or Escape, closes it.
 * 3. "Solution to Exercise N": no underlined leading space in the link.
 */
(function () {
  "use strict";
  var BADGE_TEXT = "Snapshot \u00b7 \u25b6\ufe0e Run this chapter live";

  function liveHref() {
    var button = document.querySelector("a.book-run-live-button");
    return button && !button.classList.contains("disabled") ? button.getAttribute("href") : null;
  }

  // A widget saved with its own badge (BookWidget's frame, class
  // cnnlib-book-widget) renders it a moment after its box appears: read the
  // page's stored widget state to know, instead of racing the renderer.
  var framed = null;
  function storesBadge(script) {
    if (framed === null) {
      framed = {};
      document.querySelectorAll(
        'script[type="application/vnd.jupyter.widget-state+json"]'
      ).forEach(function (state) {
        try {
          var models = JSON.parse(state.textContent).state || {};
          Object.keys(models).forEach(function (id) {
            var classes = (models[id].state || {})._dom_classes || [];
            if (classes.indexOf("cnnlib-book-widget") >= 0) {
              framed[id] = true;
            }
          });
        } catch (err) {
          // unreadable state: fall back to adding badges
        }
      });
    }
    try {
      return Boolean(framed[JSON.parse(script.textContent).model_id]);
    } catch (err) {
      return false;
    }
  }

  function wireBadges() {
    var href = liveHref();
    var views = document.querySelectorAll(
      'script[type="application/vnd.jupyter.widget-view+json"]');
    views.forEach(function (script) {
      var root = script.parentElement;
      var widget = root && root.querySelector(".jupyter-widgets, .widget-box, .lm-Widget");
      var stored = root && root.querySelector(
        ".cnnlib-snapshot-badge:not(.cnnlib-snapshot-added)");
      if (stored) {
        // the widget's own badge rendered after one was added here: keep one
        root.querySelectorAll(".cnnlib-snapshot-added").forEach(function (extra) {
          extra.remove();
        });
        return;
      }
      if (!widget || root.querySelector(".cnnlib-snapshot-badge") ||
          storesBadge(script)) {
        return;
      }
      var badge = document.createElement("div");
      badge.className = "cnnlib-snapshot-badge cnnlib-snapshot-added";
      badge.innerHTML = '<a class="cnnlib-snapshot-link" target="_blank" rel="noopener"></a>';
      badge.firstChild.textContent = BADGE_TEXT;
      widget.parentElement.insertBefore(badge, widget);
    });
    document.querySelectorAll("a.cnnlib-snapshot-link").forEach(function (a) {
      if (href) {
        a.setAttribute("href", href);
      } else {
        a.removeAttribute("href");  // no live copy (or opened as a file)
      }
    });
  }

  function zoomable(img) {
    return img.closest(".cell_output, figure, .figure") &&
      !img.closest(".jupyter-widgets, .widget-box, .cnnlib-zoom");
  }

  function openZoom(img) {
    var overlay = document.createElement("div");
    overlay.className = "cnnlib-zoom";
    overlay.setAttribute("role", "dialog");
    overlay.setAttribute("aria-label", "Figure, full size (click or Escape to close)");
    var big = document.createElement("img");
    big.src = img.currentSrc || img.src;
    big.alt = img.alt || "";
    overlay.appendChild(big);
    function close() {
      overlay.remove();
      document.removeEventListener("keydown", onKey);
    }
    function onKey(event) {
      if (event.key === "Escape") {
        close();
      }
    }
    overlay.addEventListener("click", close);
    document.addEventListener("keydown", onKey);
    document.body.appendChild(overlay);
  }

  document.addEventListener("click", function (event) {
    var img = event.target.closest && event.target.closest("img");
    if (img && zoomable(img) && !img.closest("a")) {
      event.preventDefault();
      openZoom(img);
    }
  });

  // sphinx-exercise writes "Solution to<a> Exercise 3.1</a>": the link underlines
  // its leading space.  Move the space out of the link.
  function tidySolutionTitles() {
    document.querySelectorAll(".solution p.admonition-title a, .solution summary a")
      .forEach(function (a) {
        var first = a.firstChild;
        if (first && first.nodeType === 3 && /^\s/.test(first.data)) {
          first.data = first.data.replace(/^\s+/, "");
          a.parentNode.insertBefore(document.createTextNode(" "), a);
        }
      });
  }

  function start() {
    tidySolutionTitles();
    wireBadges();
    // widgets render after the page loads: watch the page for a while
    var observer = new MutationObserver(wireBadges);
    observer.observe(document.body, { childList: true, subtree: true });
    setTimeout(function () { observer.disconnect(); wireBadges(); }, 30000);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
