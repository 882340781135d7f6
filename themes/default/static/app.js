/* Reader conveniences that need no server: keyboard navigation of paper lists.
   Every page works without this script. */
(function () {
  'use strict';

  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  function cards() {
    return Array.prototype.slice.call(document.querySelectorAll('.paper-card'));
  }

  function move(step) {
    var list = cards();
    if (!list.length) return;
    var current = list.findIndex(function (card) { return card.classList.contains('is-current'); });
    var next = Math.min(list.length - 1, Math.max(0, current + step));
    if (current >= 0) list[current].classList.remove('is-current');
    list[next].classList.add('is-current');
    var link = list[next].querySelector('.paper-card-title a');
    if (link) link.focus();
  }

  document.addEventListener('keydown', function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (event.key === 'j') { move(1); event.preventDefault(); }
    else if (event.key === 'k') { move(-1); event.preventDefault(); }
  });
})();
