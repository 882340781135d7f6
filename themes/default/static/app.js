/*
 * Reader conveniences that need no server and send nothing anywhere (issue 10):
 * keyboard navigation of paper lists, a shortcuts dialog, a star and a share button
 * per paper, a reading list kept in this browser (the Starred page, with a BibTeX
 * export), read marks, and "new since your last visit" on the home page.
 *
 * Every page works without this script: the buttons are created here, never in the
 * HTML. Record text is put in the page as text nodes only, never as HTML. The
 * features below are separate blocks that share only the storage helpers.
 */
(function () {
  'use strict';

  // --- Storage ------------------------------------------------------------------
  // Keys carry the site's base path, so two digests on one host (user.github.io/a/
  // and user.github.io/b/) keep separate lists. The base is where this script's
  // static/ folder lives.

  const script = document.currentScript;
  const base = script && script.src ? script.src.replace(/static\/[^/]*$/, '') : location.origin + '/';
  const prefix = 'paper-digest:' + new URL(base, location.href).pathname + ':';
  const HISTORY_LIMIT = 5000; // read and seen ids kept; the oldest are forgotten first

  function load(name, fallback) {
    try {
      const value = JSON.parse(localStorage.getItem(prefix + name));
      return value === null ? fallback : value;
    } catch (error) {
      return fallback; // storage disabled or a value this script did not write
    }
  }

  function save(name, value) {
    try {
      localStorage.setItem(prefix + name, JSON.stringify(value));
    } catch (error) {
      // Storage full or disabled: the page still works, it just forgets.
    }
  }

  function forget(name) {
    try {
      localStorage.removeItem(prefix + name);
    } catch (error) {
      // nothing stored, nothing to forget
    }
  }

  function remember(name, ids) {
    const known = load(name, []).filter((id) => ids.indexOf(id) < 0);
    save(name, known.concat(ids).slice(-HISTORY_LIMIT));
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

  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  // One polite live region for short confirmations ("Link copied").
  let statusRegion = null;
  function announce(message) {
    if (!statusRegion) {
      statusRegion = el('p', { className: 'visually-hidden', role: 'status' });
      document.body.append(statusRegion);
    }
    statusRegion.textContent = '';
    setTimeout(() => { statusRegion.textContent = message; }, 50); // a changed text is re-read
  }

  // --- Papers on the page ---------------------------------------------------------
  // A paper is a card in a list (.paper-card) or the paper page's article (.paper).

  const ARXIV_ID = /^(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?\/\d{7})(v\d+)?$/;

  // Text of a node with each formula as its TeX source ($…$), from MathML's alttext.
  function plainText(node) {
    const copy = node.cloneNode(true);
    for (const math of copy.querySelectorAll('math')) {
      const tex = math.getAttribute('alttext');
      math.replaceWith(tex ? '$' + tex + '$' : math.textContent);
    }
    return copy.textContent.replace(/\s+/g, ' ').trim();
  }

  function paperElements() {
    return Array.from(document.querySelectorAll('.paper-card[data-paper-id], article.paper[data-paper-id]'));
  }

  // What the reading list keeps of a paper, read from its card or page.
  function paperRecord(node) {
    const onPage = node.matches('article.paper');
    const titleNode = node.querySelector(onPage ? '.paper-title' : '.paper-card-title');
    const link = onPage ? document.querySelector('link[rel="canonical"]') : node.querySelector('.paper-card-title a');
    const authorsNode = node.querySelector('.paper-authors');
    const time = node.dataset.day ? null : node.querySelector('.paper-day-line time, .paper-day time');
    return {
      id: node.dataset.paperId,
      title: titleNode ? plainText(titleNode) : node.dataset.paperId,
      url: link ? link.href : location.href.split('#')[0],
      authors: authorsNode ? Array.from(authorsNode.querySelectorAll('a'), (a) => plainText(a)) : [],
      moreAuthors: authorsNode ? /\band \d+ more\b/.test(authorsNode.textContent) : false,
      day: node.dataset.day || (time ? time.getAttribute('datetime') : ''),
    };
  }

  // --- Star and share buttons -------------------------------------------------------

  function starred() {
    return load('starred', []);
  }

  function isStarred(id) {
    return starred().some((paper) => paper.id === id);
  }

  function setStarred(record, on) {
    const list = starred().filter((paper) => paper.id !== record.id);
    if (on) list.unshift(Object.assign({}, record, { starredAt: new Date().toISOString() }));
    save('starred', list);
  }

  // The name stays "Star"; aria-pressed says whether it is on, the icon shows it.
  function showStar(button, on) {
    button.setAttribute('aria-pressed', on ? 'true' : 'false');
    button.firstChild.textContent = on ? '★' : '☆';
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(() => copyWithSelection(text));
    }
    return copyWithSelection(text);
  }

  // Older browsers and plain-HTTP hosts have no clipboard API: copy a selection.
  function copyWithSelection(text) {
    const area = el('textarea', { readonly: '', className: 'visually-hidden', 'aria-hidden': 'true' });
    area.value = text;
    const focused = document.activeElement;
    document.body.append(area);
    area.focus();
    area.select();
    let copied = false;
    try {
      copied = document.execCommand('copy');
    } catch (error) {
      copied = false;
    }
    area.remove();
    if (focused && focused.focus) focused.focus();
    return copied ? Promise.resolve() : Promise.reject(new Error('copy refused'));
  }

  function addPaperActions(node, record) {
    if (node.querySelector('.paper-actions')) return;
    const title = record().title;
    const star = el('button', { type: 'button', className: 'star-button' }, [
      el('span', { className: 'icon', 'aria-hidden': 'true' }), ' Star',
      el('span', { className: 'visually-hidden', text: ': ' + title }),
    ]);
    showStar(star, isStarred(node.dataset.paperId));
    star.addEventListener('click', () => {
      const on = star.getAttribute('aria-pressed') !== 'true';
      setStarred(record(), on);
      showStar(star, on);
      announce(on ? 'Starred; it is on your Starred page.' : 'Removed from your starred papers.');
    });
    const share = el('button', { type: 'button', className: 'share-button' }, [
      el('span', { text: 'Copy link' }), el('span', { className: 'visually-hidden', text: ': ' + title }),
    ]);
    share.addEventListener('click', () => {
      const url = record().url;
      copyText(url).then(
        () => announce('Link copied: ' + url),
        () => window.prompt('Copy this link:', url)
      );
    });
    const actions = el('div', { className: 'paper-actions' }, [star, share]);
    const header = node.querySelector('.paper-header');
    (header || node).append(actions);
  }

  function setUpPaperActions() {
    for (const node of paperElements()) {
      addPaperActions(node, () => paperRecord(node));
    }
    // Another tab starred or cleared something: follow it.
    window.addEventListener('storage', (event) => {
      if (event.key !== prefix + 'starred') return;
      for (const button of document.querySelectorAll('.star-button')) {
        const node = button.closest('[data-paper-id]');
        if (node) showStar(button, isStarred(node.dataset.paperId));
      }
    });
  }

  // --- Read marks and new papers ------------------------------------------------------
  // Opening a paper's page marks it read. On the home page, papers not seen on an
  // earlier visit are marked new; a visit is one browser session, so a reload keeps
  // the marks and the next session starts from what this one saw.

  function badge(node, className, text) {
    const meta = node.querySelector('.paper-meta');
    if (!meta || meta.querySelector('.' + className)) return;
    meta.prepend(el('span', { className: 'badge ' + className, text }));
  }

  function setUpHistory() {
    const page = document.querySelector('article.paper[data-paper-id]');
    if (page) remember('read', [page.dataset.paperId]);

    const cards = Array.from(document.querySelectorAll('.paper-card[data-paper-id]'));
    const read = new Set(load('read', []));
    for (const card of cards) {
      if (read.has(card.dataset.paperId)) {
        card.classList.add('is-read');
        badge(card, 'badge-read', 'Read');
      }
    }

    if (!document.body.classList.contains('page-home') || !cards.length) return;
    const ids = cards.map((card) => card.dataset.paperId);
    let fresh;
    try {
      fresh = JSON.parse(sessionStorage.getItem(prefix + 'new'));
    } catch (error) {
      fresh = null;
    }
    if (!Array.isArray(fresh)) {
      const seen = load('seen', null);
      // The very first visit has nothing to compare with: nothing is "new" yet.
      fresh = seen ? ids.filter((id) => seen.indexOf(id) < 0) : [];
      try {
        sessionStorage.setItem(prefix + 'new', JSON.stringify(fresh));
      } catch (error) {
        // no session storage: the marks last until the next page view
      }
      remember('seen', ids);
    }
    for (const card of cards) {
      if (fresh.indexOf(card.dataset.paperId) >= 0) {
        card.classList.add('is-new');
        badge(card, 'badge-new', 'New');
      }
    }
  }

  // --- Keyboard ------------------------------------------------------------------------
  // j/k move between papers (the title link takes the focus, so Enter opens it), s stars
  // the current paper, ? opens the list of shortcuts. A modal <dialog> closes with
  // Escape or its button, and gives the focus back where it was.

  const SHORTCUTS = [
    ['j', 'Next paper'],
    ['k', 'Previous paper'],
    ['Enter', 'Open the selected paper'],
    ['s', 'Star or unstar the selected paper'],
    ['/', 'Search'],
    ['?', 'Show these shortcuts'],
    ['Esc', 'Close this list'],
  ];

  function cards() {
    return Array.from(document.querySelectorAll('.paper-card'));
  }

  function currentCard() {
    return document.querySelector('.paper-card.is-current') || (document.activeElement && document.activeElement.closest
      ? document.activeElement.closest('.paper-card') : null);
  }

  function move(step) {
    const list = cards();
    if (!list.length) return;
    const current = list.indexOf(currentCard());
    const next = current < 0 ? (step > 0 ? 0 : list.length - 1) : Math.min(list.length - 1, Math.max(0, current + step));
    for (const card of list) card.classList.remove('is-current');
    list[next].classList.add('is-current');
    const link = list[next].querySelector('.paper-card-title a');
    if (link) link.focus();
  }

  let dialog = null;
  function shortcutsDialog() {
    if (dialog) return dialog;
    const rows = [];
    for (const [key, action] of SHORTCUTS) rows.push(el('dt', {}, [el('kbd', { text: key })]), el('dd', { text: action }));
    const close = el('button', { type: 'submit', text: 'Close' });
    dialog = el('dialog', { className: 'shortcuts', 'aria-labelledby': 'shortcuts-title' }, [
      el('h2', { id: 'shortcuts-title', text: 'Keyboard shortcuts' }),
      el('dl', {}, rows),
      el('form', { method: 'dialog' }, [close]),
    ]);
    document.body.append(dialog);
    return dialog;
  }

  function toggleShortcuts() {
    const box = shortcutsDialog();
    if (box.open) box.close();
    else box.showModal();
  }

  function setUpKeyboard() {
    document.addEventListener('keydown', (event) => {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.key === '?' && !typing(event.target)) {
        toggleShortcuts();
        event.preventDefault();
        return;
      }
      if (typing(event.target) || (dialog && dialog.open)) return;
      if (event.key === 'j') { move(1); event.preventDefault(); }
      else if (event.key === 'k') { move(-1); event.preventDefault(); }
      else if (event.key === 's') {
        const card = currentCard() || document.querySelector('article.paper');
        const star = card && card.querySelector('.star-button');
        if (star) { star.click(); event.preventDefault(); }
      }
    });
    // The shortcuts are discoverable without knowing the ? key.
    const footer = document.querySelector('.site-footer .wrap');
    if (footer) {
      const button = el('button', { type: 'button', className: 'shortcuts-button', text: 'Keyboard shortcuts' });
      button.addEventListener('click', toggleShortcuts);
      footer.append(el('p', {}, [button]));
    }
  }

  // --- Starred page and BibTeX ----------------------------------------------------------

  function bibKey(paper, used) {
    const ascii = (text) => text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/[^A-Za-z0-9]/g, '');
    const first = paper.authors[0] || '';
    const surname = ascii(first.includes(',') ? first.split(',')[0] : first.split(' ').pop()).toLowerCase();
    const word = (paper.title.split(/\s+/).map(ascii).find((w) => w.length > 3) || '').toLowerCase();
    const stem = (surname || 'paper') + (paper.day || '').slice(0, 4) + word;
    let key = stem;
    for (let n = 0; used.has(key); n += 1) key = stem + String.fromCharCode(97 + (n % 26)) + (n >= 26 ? n : '');
    used.add(key);
    return key;
  }

  // A field value safe inside braces: braces balanced, TeX specials escaped outside $…$
  // (a title's formulas come from MathML's alttext and stay TeX).
  function bibValue(text) {
    let value = String(text).replace(/[\u0000-\u001f]/g, ' ').replace(/\\+$/, '');
    let depth = 0;
    for (const c of value) {
      depth += c === '{' ? 1 : c === '}' ? -1 : 0;
      if (depth < 0) break;
    }
    if (depth !== 0) value = value.replace(/[{}]/g, '');
    const dollars = (value.match(/\\?\$/g) || []).filter((m) => m.length === 1).length;
    let out = '';
    let math = false;
    for (let i = 0; i < value.length; i += 1) {
      const c = value[i];
      if (c === '\\') {
        out += c + value[i + 1];
        i += 1;
      } else if (c === '$') {
        if (dollars % 2) out += '\\$'; // an unpaired $ is money, not math
        else { math = !math; out += c; }
      } else {
        out += !math && '&%#_'.includes(c) ? '\\' + c : c;
      }
    }
    return out;
  }

  function bibAuthor(name) {
    // " and " inside one name would split it in two.
    return /\sand\s/i.test(name) ? '{' + name + '}' : name;
  }

  function toBibTeX(papers) {
    const used = new Set();
    return papers.map((paper) => {
      const authors = (paper.authors || []).map((name) => bibValue(bibAuthor(name)));
      if (paper.moreAuthors) authors.push('others');
      const fields = [['title', '{' + bibValue(paper.title) + '}']];
      if (authors.length) fields.push(['author', authors.join(' and ')]);
      if (paper.day) fields.push(['year', paper.day.slice(0, 4)]);
      if (ARXIV_ID.test(paper.id)) fields.push(['eprint', paper.id], ['archiveprefix', 'arXiv']);
      fields.push(['url', paper.url]);
      const body = fields.map(([name, value]) => '  ' + name + ' = {' + value + '}').join(',\n');
      return '@misc{' + bibKey(paper, used) + ',\n' + body + '\n}\n';
    }).join('\n');
  }

  function formatDay(iso) {
    const date = new Date(iso + 'T00:00:00Z');
    if (isNaN(date)) return iso;
    return date.toLocaleDateString(document.documentElement.lang || undefined,
      { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' });
  }

  function starredCard(paper) {
    const title = el('a', { href: paper.url, text: paper.title });
    const meta = el('p', { className: 'paper-meta' });
    if (paper.authors.length) {
      meta.append(el('span', { className: 'paper-authors', text: paper.authors.join(', ') + (paper.moreAuthors ? ' and others' : '') }));
    }
    if (paper.day) meta.append(el('span', { className: 'paper-day' }, [el('time', { datetime: paper.day, text: formatDay(paper.day) })]));
    const card = el('li', { className: 'paper-card', 'data-paper-id': paper.id }, [
      el('h2', { className: 'paper-card-title' }, [title]), meta,
    ]);
    // Unstarring here keeps the card until the next visit, so a slip can be undone.
    addPaperActions(card, () => paper);
    return card;
  }

  function setUpStarredPage() {
    const app = document.getElementById('starred-app');
    if (!app) return;
    const list = app.querySelector('#starred-list');
    const status = app.querySelector('#starred-status');
    const tools = app.querySelector('#starred-tools');
    const source = app.querySelector('#starred-bibtex');
    const download = app.querySelector('#starred-download');

    function render() {
      const papers = starred();
      list.replaceChildren(...papers.map(starredCard));
      status.textContent = papers.length
        ? papers.length + (papers.length === 1 ? ' starred paper.' : ' starred papers.')
        : 'No starred papers yet. Star a paper on its page or in any list, and it appears here.';
      tools.hidden = !papers.length;
      const bibtex = toBibTeX(papers);
      source.value = bibtex;
      if (download.href.startsWith('blob:')) URL.revokeObjectURL(download.href);
      download.href = papers.length ? URL.createObjectURL(new Blob([bibtex], { type: 'application/x-bibtex' })) : '#';
    }

    app.querySelector('#starred-clear').addEventListener('click', () => {
      forget('starred');
      render();
      status.focus();
    });
    app.querySelector('#starred-history').hidden = false;
    app.querySelector('#starred-forget').addEventListener('click', () => {
      forget('read');
      forget('seen');
      try {
        sessionStorage.removeItem(prefix + 'new');
      } catch (error) {
        // nothing kept for this session
      }
      announce('Read marks and visit history forgotten.');
    });
    window.addEventListener('storage', (event) => {
      if (event.key === prefix + 'starred' || event.key === null) render();
    });
    render();
  }

  // --- Copy buttons (issue 8) ---------------------------------------------------------------
  // A <pre data-copy-label="Copy BibTeX"> gets a button copying its text; without this
  // script the text is still there to select.

  function setUpCopyButtons() {
    for (const block of document.querySelectorAll('pre[data-copy-label]')) {
      const button = el('button', { type: 'button', className: 'copy-button', text: block.dataset.copyLabel });
      button.addEventListener('click', () => {
        copyText(block.textContent).then(
          () => announce('Copied.'),
          () => window.getSelection().selectAllChildren(block)
        );
      });
      block.before(button);
    }
  }

  // --- Search client on demand --------------------------------------------------------
  // search.js is the largest script and most visits never search. Outside the search
  // page (which loads it itself) it is fetched when the reader first focuses the header
  // box or presses /, the moment it would start fetching lunr.js and the index anyway.

  function setUpSearchLoader() {
    const form = document.querySelector('form.site-search');
    const input = form && form.querySelector('input[name="q"]');
    const src = script && script.dataset.searchScript;
    if (!input || !src || Array.from(document.scripts).some((tag) => tag.getAttribute('src') === src)) return;
    let requested = false;
    function load() {
      if (requested) return;
      requested = true;
      const tag = el('script', { src, 'data-lunr': script.dataset.lunr || '' });
      // Words typed while it loaded get their suggestions too.
      tag.addEventListener('load', () => { if (input.value) input.dispatchEvent(new Event('input')); });
      document.head.append(tag);
    }
    form.addEventListener('focusin', load);
    document.addEventListener('keydown', (event) => {
      if (requested || event.key !== '/' || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
      event.preventDefault();
      input.focus(); // and from then on search.js answers /
    });
  }

  // --- Start ------------------------------------------------------------------------------

  function start() {
    setUpStarredPage();
    setUpPaperActions();
    setUpHistory();
    setUpKeyboard();
    setUpCopyButtons();
    setUpSearchLoader();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
