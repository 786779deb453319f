// eBay-style inbox: conversations load from JSON after the page, 20 at a
// time, as the sentinel at the bottom of the scroll box comes into view.
(function () {
  var cfg = JSON.parse(document.getElementById('mesg-config').textContent);
  var C = cfg.classes;
  var list = document.getElementById(C['conv-list']);
  var sentinel = document.getElementById('conv-sentinel');
  var scroller = document.getElementById('conv-scroll');
  var next = 0, loading = false, loaded = 0;
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = text; }
    return e;
  }
  function item(c) {
    var li = el('li', C['conv-item']);
    li.setAttribute(cfg.variant === 2 ? 'data-cid' : 'data-conversation-id', c.id);
    li.setAttribute('data-order-id', c.orderId);
    li.setAttribute('data-status', c.status);
    li.setAttribute('data-kind', c.kind);
    var a = el('a', 'conv-link');
    a.href = '/mesg/c/' + c.id;
    a.appendChild(el('span', C['conv-buyer'], c.buyer));
    a.appendChild(el('span', C['conv-subject'], c.subject));
    li.appendChild(a);
    li.appendChild(el('span', C['conv-order'], c.orderId));
    li.appendChild(el('span', C['conv-kind'], c.kind));
    var t = el('time', C['conv-time'], new Date(c.lastMessageAt).toISOString().slice(0, 16).replace('T', ' '));
    t.setAttribute('datetime', c.lastMessageAt);
    li.appendChild(t);
    if (c.respondBy) {
      var d = el('time', C['conv-due'], 'Respond by ' + c.respondBy.slice(0, 10));
      d.setAttribute('datetime', c.respondBy);
      li.appendChild(d);
    }
    if (cfg.variant === 2) { li.insertBefore(t, li.firstChild); }
    return li;
  }
  function more() {
    if (loading || next === null) { return; }
    loading = true;
    fetch('/mesg/api/conversations?offset=' + next + '&limit=' + cfg.pageSize, { headers: { 'Accept': 'application/json' } })
      .then(function (res) {
        if (res.status === 401) { location.href = '/signin?expired=1&return=/mesg'; throw new Error('signed out'); }
        if (!res.ok) { throw new Error('HTTP ' + res.status); }
        return res.json();
      })
      .then(function (d) {
        d.conversations.forEach(function (c) { list.appendChild(item(c)); });
        loaded += d.conversations.length;
        document.getElementById('conv-loaded').textContent = loaded;
        document.getElementById('conv-total').textContent = d.total;
        next = d.nextOffset;
        loading = false;
        if (next === null) {
          list.setAttribute('data-complete', 'true');
          sentinel.textContent = 'No more messages';
        } else if (sentinel.getBoundingClientRect().top < scroller.getBoundingClientRect().bottom) {
          more();
        }
      })
      .catch(function (e) {
        loading = false;
        sentinel.textContent = 'Could not load messages (' + e.message + '). Scroll to retry.';
        sentinel.setAttribute('data-error', e.message);
      });
  }
  new IntersectionObserver(function (entries) {
    entries.forEach(function (en) { if (en.isIntersecting) { more(); } });
  }, { root: scroller }).observe(sentinel);
  setTimeout(more, 250);
})();
