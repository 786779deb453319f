// Carrier tracking page: waits, fetches the timeline, renders it in the
// carrier's own markup. The result section gets data-state="ready" (or
// "notfound", "error") when done.
(function () {
  var cfg = JSON.parse(document.getElementById('trk-config').textContent);
  var C = cfg.classes;
  var out = document.getElementById('trk-result');
  if (!cfg.number) { return; }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function when(iso) {
    var d = new Date(iso);
    return d.toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
  }
  function done(state) {
    var l = document.getElementById('trk-loading');
    if (l) { l.remove(); }
    out.setAttribute('data-state', state);
  }
  function status(d) {
    var s = el('div', C['trk-status'], d.status || 'Label created');
    s.setAttribute('data-status', d.status || '');
    var box = el('div', 'trk-summary');
    if (cfg.variant === 2) { box.appendChild(s); }
    var eta = el('div', C['trk-eta']);
    if (d.delivered) { eta.textContent = 'Delivered ' + when(d.delivered); eta.setAttribute('data-delivered', d.delivered); }
    else if (d.eta) { eta.textContent = 'Estimated delivery ' + when(d.eta).slice(0, 10); eta.setAttribute('data-eta', d.eta); }
    box.appendChild(eta);
    if (cfg.variant !== 2) { box.insertBefore(s, eta); }
    return box;
  }
  function row(tag, ev, cellTag) {
    var r = el(tag, C['trk-event']);
    r.setAttribute('data-code', ev.code);
    r.setAttribute('data-time', ev.time);
    var t = el(cellTag, C['trk-event-time'], when(ev.time));
    var d = el(cellTag, C['trk-event-desc'], ev.desc);
    var l = el(cellTag, C['trk-event-loc'], ev.location);
    if (cfg.variant === 2) { r.append(d, l, t); } else { r.append(t, d, l); }
    return r;
  }
  function render(d) {
    out.appendChild(status(d));
    var list;
    switch (cfg.carrier) {
      case 'ups':
        list = el('table', 'ups-activity');
        d.events.forEach(function (ev) { list.appendChild(row('tr', ev, 'td')); });
        break;
      case 'fedex':
        list = el('ul', 'fdx-travel-history');
        d.events.forEach(function (ev) { list.appendChild(row('li', ev, 'span')); });
        break;
      case 'usps':
        list = el('div', 'tb-steps');
        d.events.forEach(function (ev) { list.appendChild(row('div', ev, 'p')); });
        break;
      default:
        list = el('ol', 'dhl-checkpoints');
        d.events.forEach(function (ev) { list.appendChild(row('li', ev, 'div')); });
    }
    out.appendChild(list);
  }
  setTimeout(function () {
    fetch(cfg.data, { headers: { 'Accept': 'application/json' } })
      .then(function (res) {
        if (!res.ok) { throw new Error('HTTP ' + res.status); }
        return res.json();
      })
      .then(function (d) {
        if (!d.found) {
          out.appendChild(el('div', C['trk-notfound'], 'We could not locate the shipment details for this tracking number: ' + d.number));
          done('notfound');
          return;
        }
        render(d);
        done('ready');
      })
      .catch(function (e) {
        out.appendChild(el('div', C['trk-error'], 'Tracking is unavailable right now (' + e.message + '). Please try again later.'));
        done('error');
      });
  }, cfg.delay);
})();
