// Chat seller centre: a conversation list on the left, the open chat in a
// scrolling pane on the right. New messages are polled every 3 seconds.
(function () {
  var cfg = JSON.parse(document.getElementById('tt-config').textContent);
  var C = cfg.classes;
  var list = document.getElementById(C['chat-list']);
  var pane = document.getElementById(C['chat-pane']);
  var input = document.getElementById(C['chat-input']);
  var refIn = document.getElementById(C['chat-ref']);
  var send = document.getElementById(C['chat-send']);
  var current = null, convs = {};
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = text; }
    return e;
  }
  function api(url, opts) {
    return fetch(url, opts).then(function (r) {
      return r.json().catch(function () { return { code: r.status, message: 'HTTP ' + r.status }; }).then(function (d) {
        if (d.code === 40101) { location.href = '/login?expired=1'; throw new Error(d.message); }
        if (d.code !== 0) { throw new Error(d.message || ('HTTP ' + r.status)); }
        return d.data;
      });
    });
  }
  function iso(sec) { return new Date(sec * 1000).toISOString(); }
  function renderItem(c) {
    var li = document.querySelector('[data-conversation-id="' + c.conversation_id + '"].' + C['chat-item']) || el('li', C['chat-item']);
    li.innerHTML = '';
    li.setAttribute('data-conversation-id', c.conversation_id);
    li.setAttribute('data-order-id', c.order_id);
    li.setAttribute('data-status', c.status);
    li.appendChild(el('strong', 'chat-buyer', c.buyer_name));
    li.appendChild(el('span', 'chat-preview', c.preview));
    var t = el('time', 'chat-time', iso(c.last_message_time).slice(0, 16).replace('T', ' '));
    t.setAttribute('datetime', iso(c.last_message_time));
    li.appendChild(t);
    if (c.reply_deadline) {
      var d = el('time', C['chat-due'], 'Reply by ' + iso(c.reply_deadline).slice(11, 16));
      d.setAttribute('datetime', iso(c.reply_deadline));
      li.appendChild(d);
    }
    li.onclick = function () { open(c.conversation_id); };
    return li;
  }
  function loadList(cursor, acc) {
    return api('/api/im/conversations?cursor=' + (cursor || '')).then(function (d) {
      acc = acc.concat(d.conversations);
      if (d.has_more) { return loadList(d.next_cursor, acc); }
      document.getElementById('chat-total').textContent = d.total;
      return acc;
    });
  }
  function refreshList() {
    return loadList('', []).then(function (all) {
      all.forEach(function (c) { convs[c.conversation_id] = c; list.appendChild(renderItem(c)); });
      list.setAttribute('data-loaded', 'true');
    });
  }
  function msgNode(m) {
    var div = el('div', C['chat-msg'] + (m.sender === 'SELLER' ? ' chat-msg-seller' : ' chat-msg-buyer'));
    div.setAttribute('data-message-id', m.message_id);
    div.setAttribute('data-from', m.sender.toLowerCase());
    if (m.client_ref) { div.setAttribute('data-ref', m.client_ref); }
    var t = el('time', 'chat-msg-time', iso(m.create_time).slice(0, 16).replace('T', ' '));
    t.setAttribute('datetime', iso(m.create_time));
    var body = el('div', C['chat-msg-text'], m.content);
    if (cfg.variant === 2) { div.append(body, t); } else { div.append(t, body); }
    (m.images || []).forEach(function (src) { var img = el('img', 'chat-img'); img.src = src; img.width = 64; img.height = 48; div.appendChild(img); });
    return div;
  }
  function loadMessages(id) {
    return api('/api/im/conversations/' + id + '/messages').then(function (d) {
      if (current !== id) { return; }
      var seen = {};
      pane.querySelectorAll('[data-message-id]').forEach(function (n) { seen[n.getAttribute('data-message-id')] = true; });
      d.messages.forEach(function (m) { if (!seen[m.message_id]) { pane.appendChild(msgNode(m)); } });
      pane.scrollTop = pane.scrollHeight;
      pane.setAttribute('data-loaded', 'true');
    });
  }
  function open(id) {
    current = id;
    var c = convs[id] || {};
    pane.innerHTML = '';
    pane.setAttribute('data-conversation-id', id);
    pane.setAttribute('data-loaded', 'false');
    document.getElementById('chat-title').textContent = c.buyer_name || id;
    document.getElementById('chat-order').textContent = c.order_id || '';
    var due = document.getElementById('chat-due');
    due.textContent = c.reply_deadline ? 'Reply by ' + iso(c.reply_deadline) : '';
    due.setAttribute('datetime', c.reply_deadline ? iso(c.reply_deadline) : '');
    send.disabled = false;
    history.replaceState(null, '', '/chat?c=' + id);
    return loadMessages(id);
  }
  document.getElementById('chat-composer').addEventListener('submit', function (e) {
    e.preventDefault();
    if (!current || !input.value.trim()) { return; }
    send.disabled = true;
    api('/api/im/conversations/' + current + '/messages', {
      method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': cfg.csrf },
      body: JSON.stringify({ content: input.value, client_ref: refIn.value })
    }).then(function (m) {
      pane.appendChild(msgNode(m));
      pane.scrollTop = pane.scrollHeight;
      input.value = ''; refIn.value = '';
      pane.setAttribute('data-last-sent', m.message_id);
    }).catch(function (err) {
      pane.setAttribute('data-send-error', err.message);
    }).finally(function () { send.disabled = false; });
  });
  refreshList().then(function () {
    var want = new URLSearchParams(location.search).get('c');
    if (want) { open(want); }
  });
  setInterval(function () {
    refreshList().catch(function () {});
    if (current) { loadMessages(current).catch(function () {}); }
  }, 3000);
})();
