// Live Markdown preview in the episode editor, rendered by the server exactly as published.
(function () {
  'use strict';
  var source = document.querySelector('textarea[data-preview]');
  if (!source) {
    return;
  }
  var target = document.getElementById(source.dataset.preview);
  var token = document.querySelector('input[name="csrf_token"]');
  var timer = null;

  function refresh() {
    var body = new FormData();
    body.append('markdown', source.value);
    body.append('csrf_token', token ? token.value : '');
    fetch('/admin/preview', { method: 'POST', body: body, credentials: 'same-origin' })
      .then(function (response) { return response.ok ? response.text() : ''; })
      .then(function (html) { target.innerHTML = html; })  // sanitised by the server
      .catch(function () { /* the preview simply stays as it was */ });
  }

  source.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  });
  refresh();
})();
