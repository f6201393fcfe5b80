/* Convolutional Networks, Computed: widget snapshots with no network.
 *
 * Loaded after require.js and before @jupyter-widgets/html-manager's embed-amd.js
 * (see nb_ipywidgets_js in _config.yml).
 *
 * 1. The widget bundle works out where its icon fonts live from the URL require.js
 *    gives its modules; point those at this book's copy (_static/vendor/html-manager/),
 *    so that no page fetches fonts from a path that does not exist.
 * 2. Widget labels are typeset with MathJax 2's MathJax.Hub.Queue, which MathJax 3 has
 *    not got: provide it, forwarding to MathJax 3's typesetPromise once MathJax is ready.
 */
(function () {
  "use strict";
  var me = document.currentScript && document.currentScript.src;
  var vendor = me ? me.replace(/book\/book-widgets\.js(\?.*)?$/, "vendor/") : "_static/vendor/";
  var manager = vendor + "html-manager/";
  if (window.require && typeof window.require.config === "function") {
    var paths = {};
    ["base", "base7", "controls", "controls7", "html-manager"].forEach(function (name) {
      paths["@jupyter-widgets/" + name] = manager + name;
    });
    // the module whose stylesheet names the fonts: make its directory the vendored one
    paths["@jupyter-widgets/html-manager/dist/libembed-amd"] = manager + "libembed-amd";
    window.require.config({ paths: paths });
  }

  var mj = window.MathJax;
  if (mj === undefined || mj.version) {
    return;  // no MathJax on this page, or an already started MathJax (nothing to configure)
  }
  var ready = false;
  var pending = [];
  function typeset(element) {
    if (!ready) {
      pending.push(element);
      return;
    }
    if (element && element.classList) {
      // the chapter body is marked mathjax_ignore (myst-nb): opt this label back in
      element.classList.add("mathjax_process");
    }
    window.MathJax.typesetPromise(element ? [element] : undefined).catch(function (err) {
      console.warn("MathJax could not typeset a widget label:", err);
    });
  }
  var hub = {
    Queue: function () {
      for (var i = 0; i < arguments.length; i++) {
        var job = arguments[i];
        if (Array.isArray(job) && job[0] === "Typeset") {
          typeset(job[2]);
        } else if (typeof job === "function") {
          job();
        }
      }
    }
  };
  mj.Hub = hub;  // for calls made before MathJax has loaded
  // widget labels write maths as $...$ (as in Jupyter); prose maths is already \(...\)
  mj.tex = mj.tex || {};
  mj.tex.inlineMath = mj.tex.inlineMath || [["$", "$"], ["\\(", "\\)"]];
  mj.startup = mj.startup || {};
  var userReady = mj.startup.ready;
  mj.startup.ready = function () {
    if (userReady) {
      userReady();
    } else {
      window.MathJax.startup.defaultReady();
    }
    window.MathJax.Hub = hub;  // MathJax 3 replaced the config object: add it again
    window.MathJax.startup.promise.then(function () {
      ready = true;
      pending.splice(0).forEach(typeset);
    });
  };
})();
