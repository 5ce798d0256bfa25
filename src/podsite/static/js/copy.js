// A button with data-copy="ID" copies the text of the field with that id (the embed code);
// without JavaScript the button stays hidden and the read-only field can be copied by hand.
(function () {
  'use strict';
  document.querySelectorAll('button[data-copy]').forEach(function (button) {
    var field = document.getElementById(button.dataset.copy);
    if (!field) {
      return;
    }
    var label = button.textContent;
    button.hidden = false;
    button.addEventListener('click', function () {
      field.select();
      var copied = navigator.clipboard
        ? navigator.clipboard.writeText(field.value)
        : Promise.reject(new Error('no clipboard'));
      copied.then(function () {
        button.textContent = 'Copied';
      }, function () {
        button.textContent = 'Selected: press Ctrl+C to copy';
      });
      window.setTimeout(function () { button.textContent = label; }, 3000);
    });
  });
})();
