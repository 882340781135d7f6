/*
 * Site search: lunr.js over the term-sharded index that generator/search.py writes.
 *
 * Markup contract (the page templates provide it; {base} is the site's base path):
 *
 * Every page, in the header:
 *   <form class="site-search" role="search" action="{base}search/" method="get"
 *         data-search-root="{base}search/">
 *     <label for="site-search-q">Search papers</label>
 *     <input id="site-search-q" type="search" name="q" autocomplete="off">
 *   </form>
 *   <script src="{base}static/search.js" defer data-lunr="{base}static/lunr.min.js"></script>
 *
 * The search page (search/index.html) additionally has:
 *   <div id="search-app" data-search-root="{base}search/">
 *     <form class="search-page-form" role="search" action="{base}search/" method="get">
 *       <label for="search-q">Search papers</label>
 *       <input id="search-q" type="search" name="q" autocomplete="off">
 *     </form>
 *     <div id="search-facets"></div>                      (tag, month, has-code controls go here)
 *     <p id="search-status" aria-live="polite"></p>        (the count and messages)
 *     <ol id="search-results"></ol>
 *     <noscript><p>Search needs JavaScript. ...</p></noscript>
 *   </div>
 *
 * Without #search-q the header box drives the search page. The page's URL holds the
 * state: ?q=words&tag=slug&month=YYYY-MM&code=1. Class names set here for the theme's
 * CSS: .site-search-suggestions (header dropdown), .search-result, .search-result-title,
 * .search-result-meta, .search-result-tags, .search-result-snippet, .search-more,
 * .search-facet; matches are <mark> elements.
 *
 * Nothing is fetched on page load: lunr.js and the index come when the reader first
 * focuses a search box, or opens the search page. Record text and the query are put
 * in the page as text nodes only, never as HTML.
 *
 * The core (engine, stemmer, shard expansion) has no DOM and is exported under Node
 * for the parity tests (tests/search_parity.js).
 */
(function () {
  'use strict';

  // ---------------------------------------------------------------------------
  // Stemmer. lunr.py (which builds the index) stems with Martin Porter's reference
  // Python stemmer; lunr.js's own stemmer disagrees on about 1% of English words
  // ("survey", "key", "ways", "played": the y-to-i rule), and a query stemmed
  // differently from the index finds nothing. So queries are stemmed here exactly as
  // lunr.py stems, on code points as Python indexes strings, with Python's negative
  // indexes where that algorithm reads before the start of the word.
  // ---------------------------------------------------------------------------

  function pyStem(word) {
    let b = Array.from(word);
    let k = b.length - 1;
    let j = 0;
    if (k <= 1) return word;

    const at = (i) => (i < 0 ? b[b.length + i] : b[i]);
    const cons = (i) => {
      const c = b[i];
      if (c === 'a' || c === 'e' || c === 'i' || c === 'o' || c === 'u') return false;
      if (c === 'y') return i === 0 ? true : !cons(i - 1);
      return true;
    };
    // The number of consonant-vowel sequences in b[0..j].
    const m = () => {
      let n = 0;
      let i = 0;
      for (;;) {
        if (i > j) return n;
        if (!cons(i)) break;
        i += 1;
      }
      i += 1;
      for (;;) {
        for (;;) {
          if (i > j) return n;
          if (cons(i)) break;
          i += 1;
        }
        i += 1;
        n += 1;
        for (;;) {
          if (i > j) return n;
          if (!cons(i)) break;
          i += 1;
        }
        i += 1;
      }
    };
    const vowelInStem = () => {
      for (let i = 0; i <= j; i++) if (!cons(i)) return true;
      return false;
    };
    const doubleC = (i) => i >= 1 && b[i] === b[i - 1] && cons(i);
    const cvc = (i) => {
      if (i < 2 || !cons(i) || cons(i - 1) || !cons(i - 2)) return false;
      return b[i] !== 'w' && b[i] !== 'x' && b[i] !== 'y';
    };
    const ends = (s) => {
      const n = s.length;
      if (s[n - 1] !== b[k]) return false;
      if (n > k + 1) return false;
      if (b.slice(k - n + 1, k + 1).join('') !== s) return false;
      j = k - n;
      return true;
    };
    const setTo = (s) => {
      b = b.slice(0, j + 1).concat(Array.from(s), b.slice(j + s.length + 1));
      k = j + s.length;
    };
    const r = (s) => {
      if (m() > 0) setTo(s);
    };
    const replaceFirst = (pairs) => {
      for (const [suffix, replacement] of pairs) {
        if (ends(suffix)) {
          r(replacement);
          return;
        }
      }
    };

    // Step 1ab: plurals, -ed, -ing.
    if (b[k] === 's') {
      if (ends('sses')) k -= 2;
      else if (ends('ies')) setTo('i');
      else if (b[k - 1] !== 's') k -= 1;
    }
    if (ends('eed')) {
      if (m() > 0) k -= 1;
    } else if ((ends('ed') || ends('ing')) && vowelInStem()) {
      k = j;
      if (ends('at')) setTo('ate');
      else if (ends('bl')) setTo('ble');
      else if (ends('iz')) setTo('ize');
      else if (doubleC(k)) {
        k -= 1;
        const c = b[k];
        if (c === 'l' || c === 's' || c === 'z') k += 1;
      } else if (m() === 1 && cvc(k)) setTo('e');
    }
    // Step 1c: terminal y to i when the stem has a vowel.
    if (ends('y') && vowelInStem()) b = b.slice(0, k).concat(['i'], b.slice(k + 1));
    // Step 2: double suffixes to single ones.
    const step2 = {
      a: [['ational', 'ate'], ['tional', 'tion']],
      c: [['enci', 'ence'], ['anci', 'ance']],
      e: [['izer', 'ize']],
      l: [['bli', 'ble'], ['alli', 'al'], ['entli', 'ent'], ['eli', 'e'], ['ousli', 'ous']],
      o: [['ization', 'ize'], ['ation', 'ate'], ['ator', 'ate']],
      s: [['alism', 'al'], ['iveness', 'ive'], ['fulness', 'ful'], ['ousness', 'ous']],
      t: [['aliti', 'al'], ['iviti', 'ive'], ['biliti', 'ble']],
      g: [['logi', 'log']],
    }[at(k - 1)];
    if (step2) replaceFirst(step2);
    // Step 3: -ic-, -full, -ness.
    const step3 = {
      e: [['icate', 'ic'], ['ative', ''], ['alize', 'al']],
      i: [['iciti', 'ic']],
      l: [['ical', 'ic'], ['ful', '']],
      s: [['ness', '']],
    }[b[k]];
    if (step3) replaceFirst(step3);
    // Step 4: -ant, -ence and the like in context <c>vcvc<v>.
    const step4 = {
      a: ['al'],
      c: ['ance', 'ence'],
      e: ['er'],
      i: ['ic'],
      l: ['able', 'ible'],
      n: ['ant', 'ement', 'ment', 'ent'],
      o: ['ion', 'ou'],
      s: ['ism'],
      t: ['ate', 'iti'],
      u: ['ous'],
      v: ['ive'],
      z: ['ize'],
    }[at(k - 1)];
    if (step4) {
      let found = false;
      for (const suffix of step4) {
        if (suffix === 'ion') {
          if (ends('ion') && (at(j) === 's' || at(j) === 't')) {
            found = true;
            break;
          }
        } else if (ends(suffix)) {
          found = true;
          break;
        }
      }
      if (found && m() > 1) k = j;
    }
    // Step 5: final -e, and -ll to -l.
    j = k;
    if (b[k] === 'e') {
      const a = m();
      if (a > 1 || (a === 1 && !cvc(k - 1))) k -= 1;
    }
    if (b[k] === 'l' && doubleC(k) && m() > 1) k -= 1;
    return b.slice(0, k + 1).join('');
  }

  // Python's `^\W*?([^\W]+)\W*?$` trimmer (lunr.py), for highlighting display text.
  const TRIM = /^[^\p{L}\p{N}_]*?([\p{L}\p{N}_]+)[^\p{L}\p{N}_]*?$/u;
  function trimWord(word) {
    const match = TRIM.exec(word);
    return match ? match[1] : word;
  }

  // ---------------------------------------------------------------------------
  // Index core: manifest, shard choice, shard expansion, queries.
  // ---------------------------------------------------------------------------

  const STEMMER_LABEL = 'lunrPyStemmer';
  const NEW_ARXIV_ID = /^(\d{4}\.\d{4,5})(?:v\d+)?$/;
  const OLD_ARXIV_ID = /^([a-z][a-z-]*(?:\.[A-Z]{2})?\/\d{7})(?:v\d+)?$/;

  /** The paper id in `text` if it is an arXiv id (`arXiv:2503.10000v2`, an abs URL...), else null. */
  function arxivId(text) {
    let t = text.trim();
    t = t.replace(/^https?:\/\/(?:www\.|export\.)?arxiv\.org\/(?:abs|pdf)\//i, '');
    t = t.replace(/\.pdf$/, '').replace(/^arxiv:\s*/i, '');
    const match = NEW_ARXIV_ID.exec(t) || OLD_ARXIV_ID.exec(t);
    return match ? match[1] : null;
  }

  /** FNV-1a of the id modulo `buckets`, as generator/search.py's id_bucket. */
  function idBucket(id, buckets) {
    let h = 0x811c9dc5;
    for (const ch of id) {
      h = Math.imul(h ^ ch.codePointAt(0), 0x01000193) >>> 0;
    }
    return h % buckets;
  }

  /**
   * A shard's terms as lunr's serialised index (what lunr.Index.load reads).
   *
   * Each shard term is [term, termIndex, pairs of field 0, pairs of field 1, ...] with
   * pairs [docGap, score * 1000, ...]. The term index is the term's number in the whole
   * corpus, so field vectors merged from any set of shards hold, for every term they
   * know, exactly the (termIndex, score) entries of the whole index's vectors; a
   * query's dot product only meets its own terms, so it scores as the whole index.
   * With `allDocs`, every document gets (possibly empty) field vectors: a query of
   * only -excluded terms lists every document, as the whole index would.
   */
  function expandShards(shards, fields, docCount, allDocs, version) {
    const invertedIndex = [];
    const vectors = new Map();
    for (const shard of shards) {
      for (const entry of shard.terms) {
        const term = entry[0];
        const termIndex = entry[1];
        const posting = { _index: termIndex };
        for (let f = 0; f < fields.length; f++) {
          const pairs = entry[2 + f];
          const docs = {};
          let doc = 0;
          for (let i = 0; i < pairs.length; i += 2) {
            doc += pairs[i];
            docs[doc] = {};
            const fieldRef = fields[f] + '/' + doc;
            let vector = vectors.get(fieldRef);
            if (vector === undefined) vectors.set(fieldRef, (vector = []));
            // k / 1000 is the double nearest to the 3-decimal score lunr rounded to.
            vector.push([termIndex, pairs[i + 1] / 1000]);
          }
          posting[fields[f]] = docs;
        }
        invertedIndex.push([term, posting]);
      }
    }
    // lunr's TokenSet.Builder takes words in JS string order only.
    invertedIndex.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    if (allDocs) {
      for (let doc = 0; doc < docCount; doc++) {
        for (const field of fields) {
          const fieldRef = field + '/' + doc;
          if (!vectors.has(fieldRef)) vectors.set(fieldRef, []);
        }
      }
    }
    const fieldVectors = [];
    for (const [fieldRef, entries] of vectors) {
      entries.sort((a, b) => a[0] - b[0]);
      const elements = new Array(entries.length * 2);
      entries.forEach(([index, score], i) => {
        elements[2 * i] = index;
        elements[2 * i + 1] = score;
      });
      fieldVectors.push([fieldRef, elements]);
    }
    return { version, fields, fieldVectors, invertedIndex, pipeline: [STEMMER_LABEL] };
  }

  /**
   * Make a search engine over the files under one `search/` folder.
   *
   * `fetchJson(path, {fresh})` returns a promise of the parsed JSON of a path relative
   * to that folder (`fresh` for the manifest, which must not come from a stale cache).
   */
  function createEngine(lunr, fetchJson) {
    if (!lunr.Pipeline.registeredFunctions[STEMMER_LABEL]) {
      lunr.Pipeline.registerFunction((token) => token.update((s) => pyStem(s)), STEMMER_LABEL);
    }
    const shardCache = new Map();
    const chunkCache = new Map();
    const bucketCache = new Map();
    const reachCache = new Map();
    let manifestPromise = null;
    let facetPromise = null;
    let lastIndex = { key: null, index: null };

    function manifest() {
      if (!manifestPromise) {
        manifestPromise = fetchJson('manifest.json', { fresh: true }).then((m) => {
          m.trie = keyTrie(m.shards);
          m.pipeline = lunr.Pipeline.load([STEMMER_LABEL]);
          return m;
        });
        manifestPromise.catch(() => {
          manifestPromise = null; // a failed fetch may be retried on the next query
        });
      }
      return manifestPromise;
    }

    function versioned(m, path) {
      return fetchJson(path + '?v=' + m.build, {});
    }

    /** Shard keys as a trie over UTF-16 units, as lunr's TokenSet walks terms. */
    function keyTrie(keys) {
      let nextId = 0;
      const node = () => ({ id: nextId++, shard: -1, children: new Map() });
      const root = node();
      keys.forEach((key, number) => {
        let t = root;
        for (let i = 0; i < key.length; i++) {
          const ch = key[i];
          if (!t.children.has(ch)) t.children.set(ch, node());
          t = t.children.get(ch);
        }
        t.shard = number;
      });
      return root;
    }

    function reachesFinal(start) {
      if (reachCache.has(start)) return reachCache.get(start);
      const seen = new Set();
      const stack = [start];
      let found = false;
      while (stack.length && !found) {
        const node = stack.pop();
        if (seen.has(node)) continue;
        seen.add(node);
        if (node.final) found = true;
        for (const edge in node.edges) stack.push(node.edges[edge]);
      }
      reachCache.set(start, found);
      return found;
    }

    /**
     * Add to `needed` every shard that may hold a term the automaton accepts.
     *
     * The automaton is lunr's own TokenSet for the clause (exact, wildcard or fuzzy),
     * walked together with the trie of shard keys. A term lives in the shard of the
     * longest key that prefixes it, so along each path the owner is the deepest key
     * passed; a path that accepts, or leaves the trie and can still accept, needs its
     * owner. A leading wildcard leaves from every trie node: every shard.
     */
    function collectShards(automaton, trie, needed) {
      const seen = new Set();
      const stack = [[automaton, trie, trie.shard]];
      while (stack.length) {
        const [q, t, owner] = stack.pop();
        const id = q.id + ':' + t.id;
        if (seen.has(id)) continue;
        seen.add(id);
        if (q.final && owner >= 0) needed.add(owner);
        for (const edge in q.edges) {
          const next = q.edges[edge];
          const children = edge === '*' ? Array.from(t.children.values()) : [t.children.get(edge)];
          for (const child of children) {
            if (child) stack.push([next, child, child.shard >= 0 ? child.shard : owner]);
          }
          // A character that continues no key: the term stays in this owner's shard.
          const leaves = edge === '*' || !t.children.has(edge);
          if (leaves && owner >= 0 && reachesFinal(next)) needed.add(owner);
        }
      }
    }

    /** Parse as lunr does; throws lunr.QueryParseError for what lunr cannot read. */
    function parse(m, queryString) {
      const query = new lunr.Query(m.fields);
      new lunr.QueryParser(queryString, query).parse();
      return query;
    }

    function shardsFor(m, query) {
      const needed = new Set();
      for (const clause of query.clauses) {
        const terms = clause.usePipeline
          ? m.pipeline.runString(clause.term, { fields: clause.fields })
          : [clause.term];
        for (const term of terms) {
          const spec = 'editDistance' in clause ? { term, editDistance: clause.editDistance } : { term };
          collectShards(lunr.TokenSet.fromClause(spec), m.trie, needed);
        }
      }
      return Array.from(needed).sort((a, b) => a - b);
    }

    function loadShard(m, number) {
      if (!shardCache.has(number)) {
        const p = versioned(m, 'shards/' + number + '.json');
        p.catch(() => shardCache.delete(number));
        shardCache.set(number, p);
      }
      return shardCache.get(number);
    }

    async function indexFor(m, numbers, negated) {
      const key = numbers.join(',') + (negated ? '!' : '');
      if (lastIndex.key === key) return lastIndex.index;
      const shards = await Promise.all(numbers.map((n) => loadShard(m, n)));
      const index = lunr.Index.load(expandShards(shards, m.fields, m.docCount, negated, lunr.version));
      lastIndex = { key, index };
      return index;
    }

    /**
     * Run one query. Resolves to {hits: [{doc, score, terms}], shards} or, for a query
     * lunr cannot parse, {error: message}. `doc` is the document number.
     */
    async function search(queryString) {
      const m = await manifest();
      let query;
      try {
        query = parse(m, queryString);
      } catch (error) {
        if (error instanceof lunr.QueryParseError) return { error: error.message, hits: [], shards: [] };
        throw error;
      }
      if (!query.clauses.length) return { hits: [], shards: [] };
      const numbers = shardsFor(m, query);
      const index = await indexFor(m, numbers, query.isNegated());
      const hits = index.search(queryString).map((r) => ({
        doc: Number(r.ref),
        score: r.score,
        terms: Object.keys(r.matchData.metadata),
      }));
      return { hits, shards: numbers };
    }

    /** Display records of some documents: Map doc number -> record. */
    async function records(docs) {
      const m = await manifest();
      const chunks = Array.from(new Set(docs.map((d) => Math.floor(d / m.docChunk))));
      await Promise.all(
        chunks.map((c) => {
          if (!chunkCache.has(c)) {
            const p = versioned(m, 'docs/' + c + '.json');
            p.catch(() => chunkCache.delete(c));
            chunkCache.set(c, p);
          }
          return chunkCache.get(c);
        })
      );
      const out = new Map();
      for (const d of docs) {
        const chunk = await chunkCache.get(Math.floor(d / m.docChunk));
        const record = chunk[d % m.docChunk];
        if (record) out.set(d, record);
      }
      return out;
    }

    /** Facet data with per-document tag lists: {tags, months, docTags, docMonth, code:Set}. */
    function facets() {
      if (!facetPromise) {
        facetPromise = manifest()
          .then((m) => versioned(m, 'facets.json').then((f) => ({ m, f })))
          .then(({ m, f }) => {
            const docTags = Array.from({ length: m.docCount }, () => []);
            f.tagDocs.forEach((gaps, tag) => {
              let doc = 0;
              for (const gap of gaps) docTags[(doc += gap)].push(tag);
            });
            const docMonth = new Array(m.docCount);
            let doc = 0;
            for (const [month, count] of f.monthRuns) {
              for (let i = 0; i < count; i++) docMonth[doc++] = month;
            }
            const code = new Set();
            doc = 0;
            for (const gap of f.code) code.add((doc += gap));
            return { tags: f.tags, months: f.months, docTags, docMonth, code, docCount: m.docCount };
          });
        facetPromise.catch(() => {
          facetPromise = null;
        });
      }
      return facetPromise;
    }

    /** The document number of a paper id (as typed: `arXiv:2503.10000v2`), or null. */
    async function lookupId(text) {
      const id = arxivId(text);
      if (!id) return null;
      const m = await manifest();
      const bucket = idBucket(id, m.idBuckets);
      if (!bucketCache.has(bucket)) {
        const p = versioned(m, 'ids/' + bucket + '.json');
        p.catch(() => bucketCache.delete(bucket));
        bucketCache.set(bucket, p);
      }
      const ids = await bucketCache.get(bucket);
      return Object.prototype.hasOwnProperty.call(ids, id) ? ids[id] : null;
    }

    return { manifest, search, records, facets, lookupId, pyStem };
  }

  const core = { pyStem, trimWord, arxivId, idBucket, expandShards, createEngine, STEMMER_LABEL };
  if (typeof module === 'object' && module.exports) {
    module.exports = core;
  }
  if (typeof document === 'undefined') return;

  // ---------------------------------------------------------------------------
  // Browser: lazy loading, header box, search page.
  // ---------------------------------------------------------------------------

  const PAGE_SIZE = 10;
  const SUGGESTIONS = 5;
  const DEBOUNCE_MS = 150;
  const script = document.currentScript;
  const lunrUrl = script && script.dataset.lunr;
  let enginePromise = null;

  function loadLunr() {
    if (window.lunr) return Promise.resolve(window.lunr);
    return new Promise((resolve, reject) => {
      if (!lunrUrl) {
        reject(new Error('search.js: no data-lunr attribute on its <script> element'));
        return;
      }
      const tag = document.createElement('script');
      tag.src = lunrUrl;
      tag.onload = () => resolve(window.lunr);
      tag.onerror = () => reject(new Error('could not load ' + lunrUrl));
      document.head.appendChild(tag);
    });
  }

  function engineFor(root) {
    if (!enginePromise) {
      const base = root.endsWith('/') ? root : root + '/';
      const fetchJson = (path, options) =>
        fetch(base + path, options.fresh ? { cache: 'no-cache' } : {}).then((response) => {
          if (!response.ok) throw new Error('HTTP ' + response.status + ' for ' + base + path);
          return response.json();
        });
      enginePromise = loadLunr().then((lunr) => createEngine(lunr, fetchJson));
      enginePromise.catch(() => {
        enginePromise = null;
      });
    }
    return enginePromise;
  }

  function el(name, attributes, children) {
    const node = document.createElement(name);
    for (const key in attributes || {}) {
      if (key === 'text') node.textContent = attributes[key];
      else if (key === 'className') node.className = attributes[key];
      else node.setAttribute(key, attributes[key]);
    }
    for (const child of children || []) node.append(child);
    return node;
  }

  /** Only root-relative or http(s) links from records become hrefs. */
  function safeHref(url) {
    return typeof url === 'string' && /^(\/(?!\/)|https?:\/\/)/i.test(url) ? url : null;
  }

  /** `text` as nodes, with words whose stem is one of `terms` wrapped in <mark>. */
  function highlighted(text, terms) {
    const fragment = document.createDocumentFragment();
    const wanted = new Set(terms);
    if (!wanted.size) {
      fragment.append(text);
      return fragment;
    }
    let plain = '';
    for (const part of String(text).split(/([\s-]+)/)) {
      const word = trimWord(part.toLowerCase());
      if (part && !/^[\s-]+$/.test(part) && (wanted.has(word) || wanted.has(pyStem(word)))) {
        if (plain) fragment.append(plain);
        plain = '';
        fragment.append(el('mark', { text: part }));
      } else {
        plain += part;
      }
    }
    if (plain) fragment.append(plain);
    return fragment;
  }

  function isTyping(target) {
    return (
      target instanceof HTMLElement &&
      (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))
    );
  }

  /**
   * Results of a query, with the paper first when the query is its arXiv id. An id
   * lunr cannot parse (`arXiv:...` reads as a field) is not an error: `missingId`
   * says no such paper is here.
   */
  async function runQuery(engine, q) {
    const id = arxivId(q);
    const [result, pinned] = await Promise.all([engine.search(q), id ? engine.lookupId(q).catch(() => null) : null]);
    let hits = result.hits;
    if (pinned !== null) {
      hits = [{ doc: pinned, score: Infinity, terms: [], pinned: true }].concat(hits.filter((h) => h.doc !== pinned));
    }
    if (id && pinned === null && !hits.length) return { hits, missingId: id };
    return { hits, error: pinned === null ? result.error : undefined };
  }

  function describeError(message) {
    return (
      'That query could not be read (' + message + '). ' +
      'Words are searched as typed; a field needs a word after it (title:graph), ' +
      'and + or - must stand right before a word.'
    );
  }

  // --- header box -------------------------------------------------------------

  function setUpHeader(form, app) {
    const input = form.querySelector('input[type="search"], input[name="q"]');
    if (!input) return;
    const root = form.dataset.searchRoot || form.getAttribute('action');
    const list = el('ul', {
      className: 'site-search-suggestions',
      id: (input.id || 'site-search') + '-suggestions',
      hidden: '',
    });
    form.append(list);
    list.setAttribute('aria-label', 'Suggestions');
    input.setAttribute('aria-controls', list.id);
    let timer = 0;
    let sequence = 0;
    const warm = () => engineFor(root).then((e) => e.manifest()).catch(() => {});
    input.addEventListener('focus', warm, { once: true });
    const close = () => {
      list.hidden = true;
      list.replaceChildren();
    };

    async function suggest() {
      const q = input.value.trim();
      const mine = ++sequence;
      if (!q || app) return close();
      try {
        const engine = await engineFor(root);
        const { hits, error } = await runQuery(engine, q);
        const shown = hits.slice(0, SUGGESTIONS);
        const records = await engine.records(shown.map((h) => h.doc));
        if (mine !== sequence) return;
        list.replaceChildren();
        if (error || !shown.length) return close();
        for (const hit of shown) {
          const record = records.get(hit.doc);
          if (!record) continue;
          const link = el('a', { href: safeHref(record.url) || '#' }, [highlighted(record.title, hit.terms)]);
          list.append(el('li', {}, [link]));
        }
        list.hidden = false;
      } catch (error) {
        if (mine === sequence) close();
      }
    }

    input.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(suggest, DEBOUNCE_MS);
    });
    form.addEventListener('submit', (event) => {
      if (!app) return; // the form's own GET to search/?q= is the navigation
      event.preventDefault();
      app.setQuery(input.value, true);
    });
    form.addEventListener('keydown', (event) => {
      const links = Array.from(list.querySelectorAll('a'));
      const position = links.indexOf(document.activeElement);
      if (event.key === 'ArrowDown' && links.length) {
        event.preventDefault();
        links[Math.min(position + 1, links.length - 1)].focus();
      } else if (event.key === 'ArrowUp' && position >= 0) {
        event.preventDefault();
        (position === 0 ? input : links[position - 1]).focus();
      } else if (event.key === 'Escape') {
        if (position < 0) input.value = '';
        close();
        input.focus();
      }
    });
    document.addEventListener('click', (event) => {
      if (!form.contains(event.target)) close();
    });
    return input;
  }

  // --- search page --------------------------------------------------------------

  function setUpPage(app, headerInput) {
    const root = app.dataset.searchRoot;
    const input = app.querySelector('#search-q') || headerInput;
    const results = app.querySelector('#search-results') || app.appendChild(el('ol', { id: 'search-results' }));
    let status = app.querySelector('#search-status');
    if (!status) results.before((status = el('p', { id: 'search-status' })));
    let facetBox = app.querySelector('#search-facets');
    if (!facetBox) status.before((facetBox = el('div', { id: 'search-facets' })));
    status.setAttribute('aria-live', 'polite');
    const pageForm = input && input.form;
    let state = readUrl();
    let current = { hits: [], shown: 0, terms: [] };
    let sequence = 0;
    let timer = 0;

    function readUrl() {
      const params = new URLSearchParams(location.search);
      return {
        q: params.get('q') || '',
        tag: params.get('tag') || '',
        month: params.get('month') || '',
        code: params.get('code') === '1',
      };
    }

    function writeUrl(push) {
      const params = new URLSearchParams();
      if (state.q) params.set('q', state.q);
      if (state.tag) params.set('tag', state.tag);
      if (state.month) params.set('month', state.month);
      if (state.code) params.set('code', '1');
      const search = params.toString();
      const url = location.pathname + (search ? '?' + search : '') + location.hash;
      if (url !== location.pathname + location.search + location.hash) {
        history[push ? 'pushState' : 'replaceState'](null, '', url);
      }
    }

    function filtersOn() {
      return Boolean(state.tag || state.month || state.code);
    }

    function matchesFilters(f, doc, skip) {
      if (state.tag && skip !== 'tag' && !f.docTags[doc].some((t) => f.tags[t][0] === state.tag)) return false;
      if (state.month && skip !== 'month' && f.months[f.docMonth[doc]] !== state.month) return false;
      if (state.code && skip !== 'code' && !f.code.has(doc)) return false;
      return true;
    }

    function say(text) {
      status.textContent = text;
    }

    async function run() {
      const mine = ++sequence;
      const q = state.q.trim();
      if (input && input.value !== state.q) input.value = state.q;
      if (!q && !filtersOn()) {
        results.replaceChildren();
        facetBox.replaceChildren();
        say('Type to search the papers.');
        return;
      }
      say('Searching…');
      try {
        const engine = await engineFor(root);
        let hits;
        let error;
        let missingId;
        if (q) {
          ({ hits, error, missingId } = await runQuery(engine, q));
        } else {
          const m = await engine.manifest();
          hits = Array.from({ length: m.docCount }, (_, doc) => ({ doc, score: 0, terms: [] }));
        }
        if (mine !== sequence) return;
        if (error || missingId) {
          results.replaceChildren();
          facetBox.replaceChildren();
          say(error ? describeError(error) : 'No paper with the id ' + missingId + ' is in this digest.');
          return;
        }
        // Facet data is needed for filtering and counts; without filters the first
        // results are drawn before it arrives.
        const facetData = filtersOn() ? await engine.facets() : null;
        if (mine !== sequence) return;
        const kept = facetData ? hits.filter((h) => matchesFilters(facetData, h.doc)) : hits;
        current = { hits: kept, all: hits, shown: 0 };
        results.replaceChildren();
        await showMore(engine, mine);
        if (mine !== sequence) return;
        announce(q, facetData);
        // Results stand without facet controls if their data cannot be had.
        const facetsLoaded = facetData || (await engine.facets().catch(() => null));
        if (mine !== sequence || !facetsLoaded) return;
        renderFacets(facetsLoaded, hits);
      } catch (error) {
        if (mine !== sequence) return;
        say('Search is unavailable right now (' + error.message + ').');
      }
    }

    function announce(q, f) {
      const n = current.hits.length;
      const filters = [];
      if (state.tag) filters.push('with tag “' + tagName(f, state.tag) + '”');
      if (state.month) filters.push('from ' + state.month);
      if (state.code) filters.push('with code');
      const scope = filters.join(' ');
      const papers = n === 0 ? 'No papers' : n === 1 ? '1 paper' : n + ' papers';
      const sentence = q
        ? papers + (n === 1 ? ' matches “' : ' match “') + q + '”' + (scope ? ' ' + scope : '') + '.'
        : papers + ' ' + scope + '.';
      if (n) say(sentence);
      else if (filters.length) say(sentence + ' Try removing a filter.');
      else say(sentence + ' Try fewer or different words, or a trailing * (transform*).');
    }

    function tagName(f, slug) {
      const tag = f && f.tags.find((t) => t[0] === slug);
      return tag ? tag[1] : slug;
    }

    async function showMore(engine, mine) {
      const slice = current.hits.slice(current.shown, current.shown + PAGE_SIZE);
      const records = await engine.records(slice.map((h) => h.doc));
      if (mine !== sequence) return;
      const old = results.querySelector('.search-more');
      if (old) old.remove();
      for (const hit of slice) {
        const record = records.get(hit.doc);
        if (record) results.append(resultItem(record, hit));
      }
      current.shown += slice.length;
      if (current.shown < current.hits.length) {
        const button = el('button', { type: 'button', className: 'search-more', text: 'Show more results' });
        button.addEventListener('click', () => {
          const focusIndex = current.shown;
          showMore(engine, sequence).then(() => {
            const links = results.querySelectorAll('.search-result-title');
            if (links[focusIndex]) links[focusIndex].focus();
          });
        });
        results.append(el('li', { className: 'search-more-item' }, [button]));
      }
    }

    function resultItem(record, hit) {
      const href = safeHref(record.url);
      const title = el('a', { className: 'search-result-title' }, [highlighted(record.title, hit.terms)]);
      if (href) title.setAttribute('href', href);
      const heading = el('h2', {}, [title]);
      const more = record.moreAuthors ? ' and ' + record.moreAuthors + ' more' : '';
      const authors = (record.authors || []).join(', ') + more;
      const metaParts = [authors, record.day].filter(Boolean);
      if (record.code) metaParts.push('has code');
      if (hit.pinned) metaParts.unshift('paper ' + record.id);
      const meta = el('p', { className: 'search-result-meta', text: metaParts.join(' · ') });
      const tags = el('ul', { className: 'search-result-tags' });
      for (const [name, slug] of record.tags || []) {
        const chip = el('button', { type: 'button', 'data-tag': slug }, [highlighted(name, hit.terms)]);
        chip.addEventListener('click', () => setFilter('tag', slug));
        tags.append(el('li', {}, [chip]));
      }
      const snippet = el('p', { className: 'search-result-snippet' }, [highlighted(record.snippet || '', hit.terms)]);
      return el('li', { className: 'search-result' }, [heading, meta, tags, snippet]);
    }

    function renderFacets(f, hits) {
      // Counts of each facet over the results that the other filters keep.
      const counts = { tag: new Map(), month: new Map(), code: 0 };
      for (const { doc } of hits) {
        if (matchesFilters(f, doc, 'tag')) {
          for (const t of f.docTags[doc]) counts.tag.set(t, (counts.tag.get(t) || 0) + 1);
        }
        if (matchesFilters(f, doc, 'month')) {
          counts.month.set(f.docMonth[doc], (counts.month.get(f.docMonth[doc]) || 0) + 1);
        }
        if (matchesFilters(f, doc, 'code') && f.code.has(doc)) counts.code += 1;
      }
      const tagOptions = Array.from(counts.tag, ([t, n]) => [f.tags[t][0], f.tags[t][1], n]).sort(
        (a, b) => b[2] - a[2] || a[1].localeCompare(b[1])
      );
      const monthOptions = Array.from(counts.month, ([m, n]) => [f.months[m], f.months[m], n]).sort((a, b) =>
        b[0].localeCompare(a[0])
      );
      facetBox.replaceChildren(
        facetSelect('tag', 'Tag', 'All tags', tagOptions, tagName(f, state.tag)),
        facetSelect('month', 'Month', 'All months', monthOptions, state.month),
        facetCheckbox(counts.code)
      );
    }

    function facetSelect(key, label, allLabel, options, currentLabel) {
      const id = 'search-facet-' + key;
      const select = el('select', { id, name: key });
      select.append(el('option', { value: '', text: allLabel }));
      let present = !state[key];
      for (const [value, text, n] of options) {
        const option = el('option', { value, text: text + ' (' + n + ')' });
        if (value === state[key]) {
          option.selected = true;
          present = true;
        }
        select.append(option);
      }
      if (!present) {
        const option = el('option', { value: state[key], text: currentLabel + ' (0)' });
        option.selected = true;
        select.append(option);
      }
      select.addEventListener('change', () => setFilter(key, select.value));
      return el('div', { className: 'search-facet' }, [el('label', { for: id, text: label }), select]);
    }

    function facetCheckbox(count) {
      const box = el('input', { type: 'checkbox', id: 'search-facet-code', name: 'code' });
      box.checked = state.code;
      box.addEventListener('change', () => setFilter('code', box.checked));
      const label = el('label', { for: 'search-facet-code', text: 'Has code (' + count + ')' });
      return el('div', { className: 'search-facet' }, [box, label]);
    }

    function setFilter(key, value) {
      state[key] = value;
      writeUrl(true);
      run();
    }

    function setQuery(q, push) {
      state.q = q;
      writeUrl(push);
      run();
    }

    if (input) {
      input.value = state.q;
      input.addEventListener('input', () => {
        clearTimeout(timer);
        state.q = input.value;
        timer = setTimeout(() => setQuery(input.value, false), DEBOUNCE_MS);
      });
      input.addEventListener('keydown', (event) => {
        if (event.key === 'ArrowDown') {
          const first = results.querySelector('.search-result-title');
          if (first) {
            event.preventDefault();
            first.focus();
          }
        } else if (event.key === 'Escape' && input.value) {
          event.preventDefault();
          input.value = '';
          clearTimeout(timer);
          setQuery('', false);
        }
      });
    }
    if (pageForm) {
      pageForm.addEventListener('submit', (event) => {
        event.preventDefault();
        clearTimeout(timer);
        setQuery(input.value, true);
      });
    }
    results.addEventListener('keydown', (event) => {
      const links = Array.from(results.querySelectorAll('.search-result-title'));
      const position = links.indexOf(document.activeElement);
      if (position < 0) return;
      if (event.key === 'ArrowDown' && position < links.length - 1) {
        event.preventDefault();
        links[position + 1].focus();
      } else if (event.key === 'ArrowUp') {
        event.preventDefault();
        (position === 0 ? input : links[position - 1]).focus();
      } else if (event.key === 'Escape' && input) {
        event.preventDefault();
        input.focus();
      }
    });
    window.addEventListener('popstate', () => {
      state = readUrl();
      run();
    });
    run();
    return { setQuery };
  }

  function start() {
    const app = document.getElementById('search-app');
    const headerForm = document.querySelector('form.site-search');
    let page = null;
    const appHandle = {
      setQuery: (q, push) => page && page.setQuery(q, push),
    };
    const headerInput = headerForm ? setUpHeader(headerForm, app ? appHandle : null) : null;
    if (app) page = setUpPage(app, headerInput);
    document.addEventListener('keydown', (event) => {
      if (event.key !== '/' || event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
      const box = (app && app.querySelector('#search-q')) || headerInput;
      if (box) {
        event.preventDefault();
        box.focus();
        box.select();
      }
    });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
