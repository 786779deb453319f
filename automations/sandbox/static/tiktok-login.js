// Single-page login: password first, then the authenticator code, both
// posted as JSON.
(function () {
  var cfg = JSON.parse(document.getElementById('tt-config').textContent);
  var C = cfg.classes;
  var err = document.getElementById('login-error');
  // The answer's HTTP status stays on the message, as the site's own
  // error banner keeps it, so that a busy server is told from a refusal.
  function show(d) { err.textContent = d.message; err.dataset.status = d.status; err.hidden = false; }
  function post(url, body) {
    return fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': cfg.csrf }, body: JSON.stringify(body) })
      .then(function (r) {
        return r.json().catch(function () { return { code: r.status, message: 'HTTP ' + r.status }; })
          .then(function (d) { d.status = r.status; return d; });
      });
  }
  document.getElementById('login-form').addEventListener('submit', function (e) {
    e.preventDefault();
    err.hidden = true;
    delete err.dataset.status;
    post('/api/passport/login', { email: document.getElementById(C['login-email']).value, password: document.getElementById(C['login-password']).value })
      .then(function (d) {
        if (d.code !== 0) { show(d); return; }
        document.getElementById('login-form').hidden = true;
        document.getElementById('otp-form').hidden = false;
        document.getElementById(C['login-otp']).focus();
      });
  });
  document.getElementById('otp-form').addEventListener('submit', function (e) {
    e.preventDefault();
    err.hidden = true;
    delete err.dataset.status;
    post('/api/passport/otp', { code: document.getElementById(C['login-otp']).value })
      .then(function (d) {
        if (d.code !== 0) { show(d); return; }
        location.href = d.data.redirect;
      });
  });
})();
