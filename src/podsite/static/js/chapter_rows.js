// The chapter editor's "Add a chapter" and "Remove" buttons. Without this file the form
// has a few blank rows to fill in, and a row is removed by emptying its fields.
(function () {
  'use strict';
  var rows = document.querySelector('[data-chapter-rows]');
  var add = document.querySelector('[data-add-chapter]');
  if (!rows || !add) {
    return;
  }

  function numbered(row, number) {
    Array.prototype.forEach.call(row.querySelectorAll('[id], [name], [for], [aria-describedby]'),
      function (element) {
        ['id', 'name', 'for'].forEach(function (attribute) {
          var value = element.getAttribute(attribute);
          if (value) {
            element.setAttribute(attribute, value.replace(/_\d+(-error)?$/, '_' + number + '$1'));
          }
        });
      });
  }

  function clear(row) {
    Array.prototype.forEach.call(row.querySelectorAll('input'), function (input) {
      input.value = '';
      input.removeAttribute('aria-invalid');
      if (input.getAttribute('aria-describedby') !== 'chapters-hint') {
        input.removeAttribute('aria-describedby');
      }
    });
    Array.prototype.forEach.call(row.querySelectorAll('.field-error'), function (message) {
      message.remove();
    });
  }

  function remove(row) {
    var all = rows.querySelectorAll('[data-chapter-row]');
    if (all.length > 1) {
      var next = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      next.querySelector('input').focus();
    } else {
      clear(row);
    }
  }

  function wire(row) {
    var button = row.querySelector('[data-remove-chapter]');
    button.hidden = false;
    button.addEventListener('click', function () { remove(row); });
  }

  Array.prototype.forEach.call(rows.querySelectorAll('[data-chapter-row]'), wire);
  add.hidden = false;
  add.addEventListener('click', function () {
    var all = rows.querySelectorAll('[data-chapter-row]');
    var last = all[all.length - 1];
    var highest = Array.prototype.reduce.call(all, function (most, row) {
      var number = parseInt(row.querySelector('input').id.replace(/\D+/g, ''), 10);
      return Math.max(most, number);
    }, -1);
    var row = last.cloneNode(true);
    numbered(row, highest + 1);
    clear(row);
    rows.appendChild(row);
    var button = row.querySelector('[data-remove-chapter]');
    button.addEventListener('click', function () { remove(row); });
    row.querySelector('input').focus();
  });
})();
