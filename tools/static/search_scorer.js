/* The search page: ranking and snippets (Sphinx `html_search_scorer`, set in
 * _config.yml; Sphinx appends this file to _static/language_data.js, which the
 * search page loads right after searchtools.js).
 *
 * Ranking.  Sphinx's index says only whether a page contains a word, and its
 * default scorer puts an API member whose name matches the query (the
 * `stride` attribute of a dozen layers) above every page that explains it.
 * Here results come in tiers: chapters, then the other pages (introduction,
 * notation), then the API page, then API members.  Within the chapters the
 * order is by how much a chapter is about the query, read from
 * _static/book/search_stats.js (written by tools/book_offline.py): the query
 * words' share of the chapter's title, of its best heading (a section title, or
 * a bold lead-in such as "Step 3: stride."), and how often the chapter's prose
 * uses them (BM25's saturating term weight).  A chapter whose heading matches
 * links straight to that section.
 *
 * Snippets.  Sphinx cuts the summary from the page's raw text, so a chapter
 * showed its table of contents, code, and TeX (`\(\sigma\)`, `\frac{..}{..}`).
 * Here the summary comes from the article's prose when the word is there (code
 * cells only when it is not), with the maths written as plain text (σ, a/b).
 */
var BookSearch = (function () {
  "use strict";

  var TIER = { chapter: 1000, page: 500, api: 100 };
  var WEIGHT = { title: 60, heading: 30, body: 5 };
  var BM25 = { k1: 1.2, b: 0.75 };

  var query = "";
  var cache = {};
  var stemmer = typeof Stemmer === "function" ? new Stemmer() : null;

  function stem(word) {
    return stemmer ? stemmer.stemWord(word) : word;
  }

  function words(text) {
    var split = typeof splitQuery === "function" ? splitQuery :
      function (s) { return s.split(/\W+/).filter(Boolean); };
    var stop = typeof stopwords !== "undefined" ? stopwords : [];
    return split(String(text).toLowerCase()).filter(function (w) {
      return stop.indexOf(w) === -1 && !/^\d+$/.test(w);
    }).map(stem);
  }

  function queryStems() {
    return words(query).filter(function (w) { return w && w[0] !== "-"; });
  }

  function hits(token, q) {
    return token === q || (q.length > 2 && token.indexOf(q) === 0);
  }

  // share of a title's words that are query words (0 unless every query word is in it)
  function coverage(text, qs) {
    var toks = words(text);
    if (!toks.length || !qs.length) return 0;
    for (var i = 0; i < qs.length; i++) {
      if (!toks.some(function (t) { return hits(t, qs[i]); })) return 0;
    }
    return toks.filter(function (t) {
      return qs.some(function (q) { return hits(t, q); });
    }).length / toks.length;
  }

  function stats() {
    return window.BOOK_SEARCH_STATS || null;
  }

  function averageLength(all) {
    var names = Object.keys(all), total = 0;
    names.forEach(function (n) { total += all[n].n || 0; });
    return names.length ? Math.max(total / names.length, 1) : 1;
  }

  // how much one page is about the query: {score, anchor, heading}
  function relevance(docname) {
    var key = query + "\u0000" + docname;
    if (cache[key]) return cache[key];
    var all = stats(), page = all && all[docname], qs = queryStems();
    var result = { score: 0, anchor: "", heading: "" };
    if (page && qs.length) {
      var titleCov = coverage(page.t, qs);
      var best = null, bestCov = 0;
      (page.h || []).forEach(function (h) {
        var cov = coverage(h[0], qs);
        if (cov > bestCov) { bestCov = cov; best = h; }
      });
      var avg = averageLength(all), body = 0;
      qs.forEach(function (q) {
        var tf = 0;
        Object.keys(page.f || {}).forEach(function (s) {
          if (hits(s, q)) tf += page.f[s];
        });
        var norm = BM25.k1 * (1 - BM25.b + BM25.b * (page.n || 0) / avg);
        body += tf * (BM25.k1 + 1) / (tf + norm);
      });
      result.score = WEIGHT.title * titleCov + WEIGHT.heading * bestCov +
        WEIGHT.body * body / qs.length;
      if (best && titleCov === 0) {
        // the section holding the heading, named by its own title
        var section = (page.h || []).filter(function (h) {
          return h[1] === best[1] && !h[2];
        })[0];
        if (section) {
          result.anchor = "#" + section[1];
          result.heading = section[0];
        }
      }
    }
    cache[key] = result;
    return result;
  }

  function tier(docname, descr) {
    if (descr) return 0;  // an API member (or another described object)
    if (docname.indexOf("chapters/") === 0) return TIER.chapter;
    if (docname.indexOf("reference/api") === 0) return TIER.api;
    return TIER.page;
  }

  // Sphinx's result: [docname, title, anchor, descr, score, filename]
  function score(result) {
    var docname = result[0], descr = result[3], base = tier(docname, descr);
    if (base === 0) return result[4];
    var all = stats(), page = all && all[docname], tail = page ? " > " + page.t : "";
    if (page && page.t && result[1].slice(-tail.length) === tail) {
      // "4. Pooling > Pooling": the page itself, found by its title; one result, not two
      result[1] = result[1].slice(0, -tail.length);
      result[2] = "";
    }
    var rel = relevance(docname);
    if (result[2] === "" && rel.anchor) {
      // link the page's result to its best section (Sphinx names sections "Page > Section")
      result[2] = rel.anchor;
      result[1] = result[1] + " > " + rel.heading;
      return base + rel.score;
    }
    // a section Sphinx found by its title sits just under its page's best result
    return base + rel.score + (result[2] ? -0.5 : 0) + result[4] / 100;
  }

  // ------------------------------------------------------------ snippets

  var SYMBOLS = {
    times: "×", cdot: "·", div: "÷", pm: "±", mp: "∓", le: "≤", leq: "≤", ge: "≥",
    geq: "≥", ne: "≠", neq: "≠", approx: "≈", sim: "∼", equiv: "≡", to: "→",
    rightarrow: "→", leftarrow: "←", Rightarrow: "⇒", mapsto: "↦", infty: "∞",
    partial: "∂", nabla: "∇", sum: "Σ", prod: "Π", int: "∫", sqrt: "√", in: "∈",
    notin: "∉", subset: "⊂", cup: "∪", cap: "∩", forall: "∀", exists: "∃",
    dots: "…", ldots: "…", cdots: "⋯", vdots: "⋮", ddots: "⋱", lfloor: "⌊",
    rfloor: "⌋", lceil: "⌈", rceil: "⌉", langle: "⟨", rangle: "⟩", odot: "⊙",
    otimes: "⊗", oplus: "⊕", star: "⋆", ast: "∗", circ: "∘", mid: "|", vert: "|",
    lvert: "|", rvert: "|", Vert: "‖", lVert: "‖", rVert: "‖", prime: "′",
    ell: "ℓ", top: "⊤", intercal: "⊤", alpha: "α", beta: "β", gamma: "γ",
    delta: "δ", epsilon: "ε", varepsilon: "ε", zeta: "ζ", eta: "η", theta: "θ",
    vartheta: "θ", iota: "ι", kappa: "κ", lambda: "λ", mu: "μ", nu: "ν", xi: "ξ",
    pi: "π", rho: "ρ", sigma: "σ", tau: "τ", upsilon: "υ", phi: "φ", varphi: "φ",
    chi: "χ", psi: "ψ", omega: "ω", Gamma: "Γ", Delta: "Δ", Theta: "Θ",
    Lambda: "Λ", Xi: "Ξ", Pi: "Π", Sigma: "Σ", Phi: "Φ", Psi: "Ψ", Omega: "Ω",
    quad: " ", qquad: " ", max: "max", min: "min", log: "log", exp: "exp",
    ln: "ln", arg: "arg", argmax: "argmax", argmin: "argmin", sin: "sin",
    cos: "cos", tanh: "tanh", det: "det", sup: "sup", inf: "inf", lim: "lim"
  };
  var DROP = /^(left|right|big|Big|bigg|Bigg|bigl|bigr|Bigl|Bigr|displaystyle|textstyle|limits|nolimits|begin|end|label|tag|nonumber|notag)$/;
  var SUP = { "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶",
              "7": "⁷", "8": "⁸", "9": "⁹", "+": "⁺", "-": "⁻", "T": "ᵀ" };

  // the {...} group starting at s[i] (or the single character there)
  function group(s, i) {
    while (s[i] === " ") i++;
    if (s[i] !== "{") return { text: s[i] || "", end: i + 1 };
    var depth = 0;
    for (var j = i; j < s.length; j++) {
      if (s[j] === "{") depth++;
      else if (s[j] === "}" && --depth === 0) return { text: s.slice(i + 1, j), end: j + 1 };
    }
    return { text: s.slice(i + 1), end: s.length };
  }

  // a sub- or superscript: a {...} group, a command with its argument, or one character
  function script(s, i) {
    while (s[i] === " ") i++;
    var m = /^\\([A-Za-z]+)/.exec(s.slice(i));
    if (!m) return group(s, i);
    var end = i + m[0].length;
    if (/^(text|mathrm|mathbf|mathit|operatorname|boldsymbol|hat|bar|tilde|vec|mathcal|mathbb)$/.test(m[1])) {
      end = group(s, end).end;
    }
    return { text: s.slice(i, end), end: end };
  }

  function wrap(text) {
    return /^[\w.′]+$/.test(text) ? text : "(" + text + ")";
  }

  // TeX source -> readable plain text: \frac{a}{b} -> a/b, \sigma -> σ, x^{2} -> x²
  function plainMath(tex) {
    var s = String(tex).trim()
      .replace(/^\\\(|\\\)$/g, "").replace(/^\\\[|\\\]$/g, "")
      .replace(/^\$+|\$+$/g, "");
    var out = "", i = 0;
    while (i < s.length) {
      var c = s[i];
      if (c === "\\") {
        var m = /^\\([A-Za-z]+|.)/.exec(s.slice(i));
        var name = m ? m[1] : "";
        i += 1 + name.length;
        if (name === "frac" || name === "dfrac" || name === "tfrac") {
          var num = group(s, i), den = group(s, num.end);
          out += wrap(plainMath(num.text)) + "/" + wrap(plainMath(den.text));
          i = den.end;
        } else if (/^(text|mathrm|mathbf|mathit|mathsf|mathtt|operatorname|boldsymbol|bm|textbf|textit|hat|bar|tilde|vec|widehat|overline|underline|mathcal|emph)$/.test(name)) {
          var arg = group(s, i);
          out += plainMath(arg.text);
          i = arg.end;
        } else if (name === "mathbb") {
          var bb = group(s, i);
          out += ({ R: "ℝ", N: "ℕ", Z: "ℤ", E: "𝔼" })[bb.text] || bb.text;
          i = bb.end;
        } else if (name === "sqrt") {
          var rad = group(s, i);
          out += "√" + wrap(plainMath(rad.text));
          i = rad.end;
        } else if (DROP.test(name)) {
          if (name === "begin" || name === "end") i = group(s, i).end;
        } else if (SYMBOLS.hasOwnProperty(name)) {
          out += SYMBOLS[name];
        } else if (name === "\\") {
          out += "; ";
        } else if (/^[,;:! ]$/.test(name)) {
          out += " ";
        } else if (/^[{}$%&#_]$/.test(name)) {
          out += name;
        } else {
          out += name;  // an unknown command: its name, without the backslash
        }
      } else if (c === "^" || c === "_") {
        var g = script(s, i + 1), inner = plainMath(g.text);
        if (c === "^" && inner.split("").every(function (ch) { return SUP[ch]; })) {
          out += inner.split("").map(function (ch) { return SUP[ch]; }).join("");
        } else {
          out += c + (inner.length > 1 ? wrap(inner) : inner);
        }
        i = g.end;
      } else if (c === "{" || c === "}") {
        i++;
      } else if (c === "&") {
        out += " ";
        i++;
      } else {
        out += c;
        i++;
      }
    }
    return out.replace(/\s+/g, " ").trim();
  }

  // any maths left in running text: $...$, \(...\), \[...\], stray commands
  function plainText(text) {
    return String(text)
      .replace(/\$\$([^$]+)\$\$/g, function (_, m) { return plainMath(m); })
      .replace(/\$([^$\n]+)\$/g, function (_, m) { return plainMath(m); })
      .replace(/\\\(([\s\S]*?)\\\)/g, function (_, m) { return plainMath(m); })
      .replace(/\\\[([\s\S]*?)\\\]/g, function (_, m) { return plainMath(m); })
      .replace(/\\([A-Za-z]+)/g, function (_, name) {
        return SYMBOLS.hasOwnProperty(name) ? SYMBOLS[name] : DROP.test(name) ? "" : name;
      })
      .replace(/\s+/g, " ");
  }

  var NOT_TEXT = [".headerlink", "script", "style", "nav", ".bd-toc",
                  ".bd-header-article", ".header-article-items", "footer",
                  ".prev-next-area", ".book-run-live", ".cnnlib-snapshot-badge",
                  ".widget-subarea", "mjx-container", "mjx-assistive-mml"];
  var CODE = [".cell_input", ".cell_output", "div.highlight", "pre"];

  // the page's text, maths as plain text: {prose, all} (prose leaves code out)
  function pageText(htmlString, anchor) {
    var doc = new DOMParser().parseFromString(htmlString, "text/html");
    NOT_TEXT.forEach(function (sel) {
      doc.querySelectorAll(sel).forEach(function (el) { el.remove(); });
    });
    doc.querySelectorAll(".math").forEach(function (el) {
      el.replaceWith(doc.createTextNode(" " + plainMath(el.textContent) + " "));
    });
    var main = doc.querySelector("article.bd-article") || doc.querySelector('[role="main"]');
    if (!main) return { prose: "", all: "" };
    var root = main;
    if (anchor) {
      try {
        root = main.querySelector(anchor) || main;
      } catch (e) {
        root = main;
      }
    }
    var all = plainText(root.textContent);
    var prose = root.cloneNode(true);
    CODE.forEach(function (sel) {
      prose.querySelectorAll(sel).forEach(function (el) { el.remove(); });
    });
    return { prose: plainText(prose.textContent), all: all };
  }

  function snippet(text, keywords) {
    var lower = text.toLowerCase(), at = -1;
    keywords.forEach(function (k) {
      var i = lower.indexOf(String(k).toLowerCase());
      if (i > -1 && (at === -1 || i < at)) at = i;
    });
    if (at === -1) return null;
    var start = Math.max(at - 100, 0);
    if (start > 0) {
      var space = text.indexOf(" ", start);
      if (space > -1 && space < at) start = space + 1;
    }
    var end = Math.min(start + 240, text.length);
    if (end < text.length) {
      var back = text.lastIndexOf(" ", end);
      if (back > at) end = back;
    }
    return (start > 0 ? "…" : "") + text.slice(start, end).trim() +
      (end < text.length ? "…" : "");
  }

  function makeSearchSummary(htmlText, keywords, anchor) {
    var text = pageText(htmlText, anchor);
    var terms = Array.from(keywords || []);
    var summary = snippet(text.prose, terms) || snippet(text.all, terms) ||
      text.prose.trim().slice(0, 240);
    if (!summary) return null;
    var p = document.createElement("p");
    p.classList.add("context");
    p.textContent = summary;
    return p;
  }

  return {
    score: score,
    relevance: relevance,
    plainMath: plainMath,
    plainText: plainText,
    makeSearchSummary: makeSearchSummary,
    setQuery: function (q) { query = String(q || ""); cache = {}; }
  };
})();

var Scorer = {
  score: BookSearch.score,
  objNameMatch: 11,
  objPartialMatch: 6,
  objPrio: { 0: 15, 1: 5, 2: -5 },
  objPrioDefault: 0,
  title: 15,
  partialTitle: 7,
  term: 5,
  partialTerm: 2
};

if (typeof Search !== "undefined") {
  // searchtools.js is loaded before this file; its calls go through these properties
  (function () {
    var query = Search.query;
    Search.query = function (q) {
      BookSearch.setQuery(q);
      return query(q);
    };
    Search.makeSearchSummary = BookSearch.makeSearchSummary;
  })();
}
