// "Copy feed URL": the button is hidden until this runs, so without JavaScript the page
// shows only the address, which can be selected and copied by hand.
(function () {
  'use strict';
  var buttons = document.querySelectorAll('button[data-copy-target]');
  Array.prototype.forEach.call(buttons, function (button) {
    var source = document.getElementById(button.getAttribute('data-copy-target'));
    if (!source) {
      return;
    }
    var status = button.parentNode.querySelector('.copy-status');
    button.hidden = false;
    button.addEventListener('click', function () {
      var done = function () {
        if (status) {
          status.textContent = button.getAttribute('data-copied-text');
        }
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(source.value).then(done, function () {
          source.select();
        });
      } else {
        // Without the clipboard API (a plain-http site), select it for the visitor to copy.
        source.select();
      }
    });
  });
})();
