// Review step: the submit button opens a confirmation dialog; only its
// "Yes, submit" button posts the form.
(function () {
  var dlg = document.getElementById('confirm-dialog');
  var open = document.querySelector('#claim-submit-form button[type=button]');
  open.addEventListener('click', function () { dlg.showModal(); });
  document.getElementById('confirm-cancel').addEventListener('click', function () { dlg.close(); });
})();
