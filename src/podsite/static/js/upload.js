// The episode form with an audio file: sent with upload progress, and a file can be dropped
// on the Audio box. Without JavaScript the form is a plain multipart post and works alike.
(function () {
  'use strict';
  var input = document.getElementById('audio');
  if (!input || !window.XMLHttpRequest || !window.FormData) {
    return;
  }
  var form = input.form;
  var zone = document.getElementById(input.dataset.dropZone);
  var progress = form.querySelector('.upload-progress');
  var bar = progress.querySelector('progress');
  var label = progress.querySelector('[role="status"]');
  var token = form.querySelector('input[name="csrf_token"]');

  function megabytes(bytes) {
    return (bytes / 1048576).toFixed(1) + ' MB';
  }

  if (zone) {
    zone.addEventListener('dragover', function (event) {
      event.preventDefault();
      zone.classList.add('dropping');
    });
    zone.addEventListener('dragleave', function () {
      zone.classList.remove('dropping');
    });
    zone.addEventListener('drop', function (event) {
      event.preventDefault();
      zone.classList.remove('dropping');
      if (event.dataTransfer && event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
      }
    });
  }

  form.addEventListener('submit', function (event) {
    if (!input.files.length) {
      return;  // nothing large to send: the ordinary post
    }
    event.preventDefault();
    var request = new XMLHttpRequest();
    request.open('POST', form.action);
    // The token in a header lets the server refuse a forged upload before reading its body.
    request.setRequestHeader('X-CSRF-Token', token ? token.value : '');
    progress.hidden = false;
    request.upload.addEventListener('progress', function (progressEvent) {
      if (progressEvent.lengthComputable) {
        bar.max = progressEvent.total;
        bar.value = progressEvent.loaded;
        label.textContent = 'Uploading: ' + megabytes(progressEvent.loaded) + ' of ' +
          megabytes(progressEvent.total);
      }
    });
    request.upload.addEventListener('load', function () {
      label.textContent = 'Uploaded; reading the file…';
    });
    request.addEventListener('load', function () {
      if (request.responseURL && request.responseURL.split('#')[0] !== form.action) {
        window.location.assign(request.responseURL);
        return;
      }
      // The form again, with what was wrong: shown as the plain post would show it.
      document.open();
      document.write(request.responseText);
      document.close();
    });
    request.addEventListener('error', function () {
      label.textContent = 'The upload failed (connection lost). Nothing was changed; try again.';
    });
    request.send(new FormData(form));
    Array.prototype.forEach.call(form.querySelectorAll('button[type="submit"]'), function (b) {
      b.disabled = true;
    });
  });
})();
