// goheapflame flame graph: zoom, search, details line, keyboard and URL state.
// Embedded into every SVG by src/flame/shell-template.ts. It works in an SVG opened on its own and
// in an SVG inlined into an HTML page: all state lives in this closure, it finds its own root
// element, and URL parameters get a per-graph prefix when the page holds more than the graph.
// Without it the SVG still shows every frame, label, tooltip and the total.
(function () {
  'use strict';
  var script = document.currentScript;
  var root = script && script.parentNode ? script.parentNode : document.documentElement;
  var standalone = root === document.documentElement;
  var SVG_NS = 'http://www.w3.org/2000/svg';
  var LABEL_PAD = 3; // as LABEL_PAD in src/flame/svg.ts

  function data(name) {
    return Number(root.getAttribute('data-' + name));
  }
  function part(cls) {
    return root.querySelector('.' + cls);
  }
  var xpad = data('xpad');
  var frameTop = data('frame-top');
  var depthStep = data('depth-step');
  var labelDy = data('label-dy');
  var charWidth = data('char-width');
  var sizeLabels = data('size-labels') === 1;
  var inverted = data('inverted') === 1;
  var nameType = root.getAttribute('data-name-type') || '';
  var plotWidth = root.viewBox.baseVal.width - 2 * xpad;
  var framesGroup = part('ghf-frames');
  var details = part('ghf-details');
  var matchedText = part('ghf-matched');
  var searchButton = part('ghf-search');
  var caseButton = part('ghf-ic');
  var unzoomButton = part('ghf-unzoom');

  // The frames come in depth-first pre-order, so the tree follows from each frame's depth.
  var frames = Array.prototype.slice.call(framesGroup.children);
  var n = frames.length;
  var indexOf = new WeakMap();
  var names = new Array(n);
  var sizes = new Array(n);
  var titles = new Array(n);
  var value = new Float64Array(n);
  var start = new Float64Array(n);
  var parent = new Int32Array(n);
  var end = new Int32Array(n);
  var original = new Array(n); // [x, width, label] as first drawn
  var moved = new Uint8Array(n);
  (function readFrames() {
    var open = [];
    var next = new Float64Array(n);
    for (var i = 0; i < n; i++) {
      var g = frames[i];
      indexOf.set(g, i);
      var title = g.firstElementChild.textContent;
      var cut = title.lastIndexOf(' (');
      titles[i] = title;
      names[i] = title.slice(0, cut);
      sizes[i] = title.slice(cut + 2, -1).split(', ')[0];
      value[i] = Number(g.getAttribute('data-v'));
      var rect = rectOf(i);
      var depth = Math.round((Number(rect.getAttribute('y')) - frameTop) / depthStep);
      while (open.length > depth) end[open.pop()] = i;
      var p = open.length ? open[open.length - 1] : -1;
      parent[i] = p;
      start[i] = p < 0 ? 0 : next[p];
      if (p >= 0) next[p] += value[i];
      next[i] = start[i];
      open.push(i);
      var text = textOf(i);
      original[i] = [rect.getAttribute('x'), rect.getAttribute('width'), text ? text.textContent : ''];
    }
    while (open.length) end[open.pop()] = n;
  })();

  function rectOf(i) {
    return frames[i].querySelector('rect');
  }
  function textOf(i) {
    return frames[i].querySelector('text');
  }
  function round1(v) {
    return Math.round(v * 10) / 10;
  }

  // Label fitting, the same rules as fitLabel in src/flame/svg.ts: average character width, wide
  // East Asian characters and astral characters count twice, `..` marks a cut.
  function isWide(c) {
    return (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) || (c >= 0xac00 && c <= 0xd7a3) ||
      (c >= 0xd800 && c <= 0xdbff) || (c >= 0xf900 && c <= 0xfaff) || (c >= 0xfe30 && c <= 0xfe4f) ||
      (c >= 0xff00 && c <= 0xff60) || (c >= 0xffe0 && c <= 0xffe6);
  }
  function prefixFitting(text, room) {
    var columns = 0;
    var i = 0;
    while (i < text.length) {
      var c = text.charCodeAt(i);
      var w = isWide(c) ? 2 : 1;
      if (columns + w > room) break;
      columns += w;
      i += c >= 0xd800 && c <= 0xdbff ? 2 : 1;
    }
    return i;
  }
  function fitLabel(i, width) {
    var room = Math.floor((width - 2 * LABEL_PAD) / charWidth);
    if (room < 3) return '';
    var name = names[i];
    if (sizeLabels) {
      var withSize = name + ' (' + sizes[i] + ')';
      if (prefixFitting(withSize, room) === withSize.length) return withSize;
    }
    if (prefixFitting(name, room) === name.length) return name;
    return name.slice(0, prefixFitting(name, room - 2)) + '..';
  }

  function place(i, x, width) {
    var rect = rectOf(i);
    var left = round1(x);
    rect.setAttribute('x', left);
    rect.setAttribute('width', round1(round1(x + width) - left));
    setLabel(i, left, fitLabel(i, width));
    moved[i] = 1;
  }
  function restore(i) {
    var o = original[i];
    var rect = rectOf(i);
    rect.setAttribute('x', o[0]);
    rect.setAttribute('width', o[1]);
    setLabel(i, Number(o[0]), o[2]);
    moved[i] = 0;
  }
  function setLabel(i, left, label) {
    var text = textOf(i);
    if (!text) {
      if (!label) return;
      text = document.createElementNS(SVG_NS, 'text');
      text.setAttribute('y', round1(Number(rectOf(i).getAttribute('y')) + labelDy));
      frames[i].appendChild(text);
    }
    text.setAttribute('x', round1(left + LABEL_PAD));
    text.textContent = label;
  }

  // URL state: `s` search, `i` ignore case, `z` zoomed frame (its pre-order index). Inlined
  // graphs prefix their parameters with their position among the page's graphs.
  var prefix = standalone ? '' : 'ghf' + Array.prototype.indexOf.call(document.querySelectorAll('svg.ghf'), root) + '.';
  function getParam(key) {
    return new URLSearchParams(location.search).get(prefix + key);
  }
  function setParam(key, v) {
    var params = new URLSearchParams(location.search);
    if (v === null) params.delete(prefix + key);
    else params.set(prefix + key, v);
    var query = params.toString();
    try {
      history.replaceState(history.state, '', location.pathname + (query ? '?' + query : '') + location.hash);
    } catch (e) {
      // Opaque origins (sandboxed frames, data: URLs) cannot change the URL; the view still works.
    }
  }

  // Zoom: the frame fills the width, its ancestors stretch (faded), everything else hides.
  var zoomed = 0;
  function zoom(z) {
    zoomed = z;
    root.classList.toggle('ghf-zoomed', z !== 0);
    var ancestor = new Uint8Array(n);
    for (var a = parent[z]; a >= 0; a = parent[a]) ancestor[a] = 1;
    for (var i = 0; i < n; i++) {
      var inside = i >= z && i < end[z];
      var g = frames[i];
      g.classList.toggle('ghf-hide', !inside && !ancestor[i]);
      g.classList.toggle('ghf-parent', ancestor[i] === 1);
      if (z === 0) {
        if (moved[i]) restore(i);
      } else if (inside) {
        place(i, xpad + ((start[i] - start[z]) / value[z]) * plotWidth, (value[i] / value[z]) * plotWidth);
      } else if (ancestor[i]) {
        place(i, xpad, plotWidth);
      }
    }
    setParam('z', z === 0 ? null : String(z));
    showMatched();
  }

  // Search: frames whose name matches a regular expression turn magenta. "Matched" adds up exact
  // counts, skipping a match inside an already counted match, so nothing is counted twice.
  var term = null;
  var ignoreCase = false;
  var matches = new Uint8Array(n);
  function search(newTerm) {
    var re;
    try {
      re = new RegExp(newTerm, ignoreCase ? 'i' : '');
    } catch (e) {
      matchedText.textContent = 'Not a regular expression: ' + newTerm;
      return;
    }
    term = newTerm;
    for (var i = 1; i < n; i++) {
      matches[i] = re.test(names[i]) ? 1 : 0;
      frames[i].classList.toggle('ghf-match', matches[i] === 1);
    }
    searchButton.firstChild.nodeValue = 'Reset Search';
    searchButton.classList.add('ghf-on');
    setParam('s', term);
    showMatched();
  }
  function resetSearch() {
    term = null;
    matches.fill(0);
    for (var i = 0; i < n; i++) frames[i].classList.remove('ghf-match');
    searchButton.firstChild.nodeValue = 'Search';
    searchButton.classList.remove('ghf-on');
    setParam('s', null);
    showMatched();
  }
  function matchedWithin(z) {
    for (var a = z; a >= 0; a = parent[a]) if (matches[a]) return value[z];
    var sum = 0;
    for (var i = z; i < end[z]; ) {
      if (matches[i]) {
        sum += value[i];
        i = end[i];
      } else i++;
    }
    return sum;
  }
  function percent(part, whole) {
    var p = (100 * part) / whole;
    return (p === 100 ? '100' : p.toFixed(1)) + '%';
  }
  function showMatched() {
    if (term === null) {
      matchedText.textContent = '';
      return;
    }
    var text = 'Matched: ' + percent(matchedWithin(0), value[0]) + ' of total';
    if (zoomed !== 0) text += ', ' + percent(matchedWithin(zoomed), value[zoomed]) + ' of zoomed frame';
    matchedText.textContent = text;
  }
  function promptSearch() {
    var answer = prompt(
      'Search frame names (regular expression' + (ignoreCase ? ', ignoring case' : '') + '; Ctrl-I toggles case):',
      term === null ? '' : term);
    if (answer === null) return;
    if (answer === '') resetSearch();
    else search(answer);
  }
  function toggleCase() {
    ignoreCase = !ignoreCase;
    caseButton.setAttribute('aria-pressed', String(ignoreCase));
    setParam('i', ignoreCase ? '1' : null);
    if (term !== null) search(term);
  }

  // Details line and keyboard cursor.
  var cursor = -1;
  function describe(i) {
    details.textContent = i < 0 ? '' : nameType + ' ' + titles[i];
  }
  function setCursor(i) {
    if (cursor >= 0) frames[cursor].classList.remove('ghf-cur');
    cursor = i;
    frames[i].classList.add('ghf-cur');
    describe(i);
  }
  function visibleChildren(i) {
    var kids = [];
    for (var j = i + 1; j < end[i]; j = end[j]) if (!frames[j].classList.contains('ghf-hide')) kids.push(j);
    return kids;
  }
  function moveCursor(key) {
    if (cursor < 0) return setCursor(zoomed);
    var towardLeaves = inverted ? 'ArrowDown' : 'ArrowUp';
    var towardRoot = inverted ? 'ArrowUp' : 'ArrowDown';
    var target = -1;
    if (key === towardLeaves) target = visibleChildren(cursor)[0];
    else if (key === towardRoot) target = parent[cursor];
    else if (parent[cursor] >= 0) {
      var siblings = visibleChildren(parent[cursor]);
      target = siblings[siblings.indexOf(cursor) + (key === 'ArrowRight' ? 1 : -1)];
    }
    if (target !== undefined && target >= 0) setCursor(target);
  }

  function frameIndex(event) {
    var g = event.target.closest ? event.target.closest('.ghf-frames > g') : null;
    return g && indexOf.has(g) ? indexOf.get(g) : -1;
  }
  framesGroup.addEventListener('mouseover', function (e) {
    var i = frameIndex(e);
    if (i >= 0) describe(i);
  });
  framesGroup.addEventListener('mouseout', function () {
    describe(cursor);
  });
  framesGroup.addEventListener('click', function (e) {
    var i = frameIndex(e);
    if (i >= 0) zoom(i);
  });

  var actions = [
    [unzoomButton, function () { zoom(0); }],
    [searchButton, function () { if (term === null) promptSearch(); else resetSearch(); }],
    [caseButton, toggleCase],
  ];
  actions.forEach(function (pair) {
    pair[0].addEventListener('click', pair[1]);
    pair[0].addEventListener('keydown', function (e) {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        e.stopPropagation();
        pair[1]();
      }
    });
  });

  // Keys go to the whole page when the SVG is the page, else to the graph when it has focus.
  if (!standalone) root.setAttribute('tabindex', '0');
  (standalone ? window : root).addEventListener('keydown', function (e) {
    var ctrl = e.ctrlKey || e.metaKey;
    var key = e.key;
    if ((ctrl && (key === 'f' || key === 'F')) || key === 'F3') {
      e.preventDefault();
      promptSearch();
    } else if (ctrl && (key === 'i' || key === 'I')) {
      e.preventDefault();
      toggleCase();
    } else if (key === 'Escape') {
      if (zoomed !== 0) zoom(0);
      else if (term !== null) resetSearch();
    } else if (key === 'Enter' && cursor >= 0) {
      zoom(cursor);
    } else if (key === 'ArrowUp' || key === 'ArrowDown' || key === 'ArrowLeft' || key === 'ArrowRight') {
      e.preventDefault();
      moveCursor(key);
    }
  });

  root.classList.add('ghf-js');
  if (getParam('i') === '1') toggleCase();
  var savedTerm = getParam('s');
  if (savedTerm) search(savedTerm);
  var savedZoom = Number(getParam('z'));
  if (savedZoom > 0 && savedZoom < n && Math.floor(savedZoom) === savedZoom) zoom(savedZoom);
})();
