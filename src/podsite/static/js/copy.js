// A button with data-copy="ID" copies the value of the read-only field with that id (the
// feed address, the embed code). The button is hidden until this runs, so without
// JavaScript the page shows only the field, which can be selected and copied by hand.
// What happened is said in the button's `.copy-status` neighbour when it has one (a live
// region), else on the button itself for a moment.
(function () {
  'use strict';
  document.querySelectorAll('button[data-copy]').forEach(function (button) {
    var field = document.getElementById(button.dataset.copy);
    if (!field) {
      return;
    }
    var status = button.parentNode.querySelector('.copy-status');
    var label = button.textContent;
    var say = function (text) {
      if (status) {
        status.textContent = text;
        return;
      }
      button.textContent = text;
      window.setTimeout(function () { button.textContent = label; }, 3000);
    };
    button.hidden = false;
    button.addEventListener('click', function () {
      field.select();
      var copied = navigator.clipboard && window.isSecureContext
        ? navigator.clipboard.writeText(field.value)
        : Promise.reject(new Error('no clipboard'));
      copied.then(function () {
        say('Copied');
      }, function () {
        // Without the clipboard API (a plain-http site) the field stays selected to copy.
        say('Selected: press Ctrl+C to copy');
      });
    });
  });
})();
