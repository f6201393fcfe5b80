/* Search ranking (Sphinx `html_search_scorer`, set in _config.yml).
 *
 * Sphinx's default scorer ranks an API member whose name matches the query
 * (e.g. the `stride` attribute of every layer) above every page whose text
 * uses the word, so a reader searching "stride" met a dozen attributes before
 * the Convolution chapter.  Here the chapters come first: a result in a
 * chapter gains a fixed bonus, and API objects lose their name-match bonus
 * over prose.  Within each group Sphinx's own order is kept.
 */
var Scorer = {
  score: function (result) {
    var docname = result[0];
    var descr = result[3];
    var score = result[4];
    if (docname.indexOf("chapters/") === 0) {
      return score + 100;  // chapters first
    }
    if (descr) {
      return score - 10;  // an API object, after the pages that explain it
    }
    return score;
  },
  objNameMatch: 11,
  objPartialMatch: 6,
  objPrio: { 0: 15, 1: 5, 2: -5 },
  objPrioDefault: 0,
  title: 15,
  partialTitle: 7,
  term: 5,
  partialTerm: 2
};
