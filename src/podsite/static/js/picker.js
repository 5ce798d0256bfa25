// Turns each <select multiple> inside [data-picker] into a filter-as-you-type list with
// chips. The select stays in the form and is what is sent: choosing moves the option up
// behind the chosen ones, so the browser sends them in the order they were chosen. Without
// this file the plain select works as it is.
(function () {
  'use strict';
  var count = 0;

  function enhance(container) {
    var select = container.querySelector('select[multiple]');
    if (!select) {
      return;
    }
    count += 1;
    var id = select.id;
    var label = container.querySelector('label[for="' + id + '"]');
    var chips = document.createElement('ul');
    chips.className = 'picker-chips';
    chips.setAttribute('aria-label', 'Chosen');
    var input = document.createElement('input');
    input.type = 'text';
    input.id = id + '-filter';
    input.className = 'picker-filter';
    input.autocomplete = 'off';
    input.setAttribute('role', 'combobox');
    input.setAttribute('aria-autocomplete', 'list');
    input.setAttribute('aria-expanded', 'false');
    input.setAttribute('aria-controls', id + '-listbox');
    input.placeholder = 'Type to find…';
    var describedBy = select.getAttribute('aria-describedby');
    if (describedBy) {
      input.setAttribute('aria-describedby', describedBy);
    }
    if (select.getAttribute('aria-invalid')) {
      input.setAttribute('aria-invalid', 'true');
    }
    var list = document.createElement('ul');
    list.id = id + '-listbox';
    list.className = 'picker-list';
    list.setAttribute('role', 'listbox');
    list.hidden = true;
    var status = document.createElement('p');
    status.className = 'visually-hidden';
    status.setAttribute('role', 'status');
    if (label) {
      label.setAttribute('for', input.id);
      list.setAttribute('aria-label', label.textContent.trim());
    }
    var hint = document.getElementById(id + '-hint');
    if (hint) {
      hint.textContent = 'Type a name, then choose with the arrow keys and Enter; Backspace in the empty box removes the last one.';
    }
    select.hidden = true;
    select.setAttribute('aria-hidden', 'true');
    select.tabIndex = -1;
    select.parentNode.insertBefore(chips, select);
    select.parentNode.insertBefore(input, select);
    select.parentNode.insertBefore(list, select);
    select.parentNode.insertBefore(status, select);
    var active = -1;

    function chosen() {
      return Array.prototype.filter.call(select.options, function (o) { return o.selected; });
    }

    function renderChips() {
      chips.textContent = '';
      chosen().forEach(function (option) {
        var item = document.createElement('li');
        item.className = 'chip';
        item.appendChild(document.createTextNode(option.textContent));
        var remove = document.createElement('button');
        remove.type = 'button';
        remove.className = 'chip-remove';
        remove.setAttribute('aria-label', 'Remove ' + option.textContent);
        remove.textContent = '×';
        remove.addEventListener('click', function () {
          option.selected = false;
          renderChips();
          status.textContent = option.textContent + ' removed.';
          input.focus();
        });
        item.appendChild(remove);
        chips.appendChild(item);
      });
    }

    function matches() {
      var words = input.value.toLowerCase().trim();
      return Array.prototype.filter.call(select.options, function (option) {
        var text = (option.textContent + ' ' + option.value).toLowerCase();
        return !option.selected && (words === '' || text.indexOf(words) !== -1);
      }).slice(0, 50);
    }

    function renderList() {
      var found = matches();
      list.textContent = '';
      found.forEach(function (option, index) {
        var item = document.createElement('li');
        item.id = id + '-option-' + index;
        item.setAttribute('role', 'option');
        item.setAttribute('aria-selected', index === active ? 'true' : 'false');
        item.dataset.value = option.value;
        item.textContent = option.textContent;
        item.addEventListener('mousedown', function (event) {
          event.preventDefault();  // keeps the focus in the box
          choose(option);
        });
        list.appendChild(item);
      });
      var open = found.length > 0 && document.activeElement === input;
      list.hidden = !open;
      input.setAttribute('aria-expanded', open ? 'true' : 'false');
      if (active >= 0 && active < found.length) {
        input.setAttribute('aria-activedescendant', id + '-option-' + active);
      } else {
        input.removeAttribute('aria-activedescendant');
      }
      return found;
    }

    function choose(option) {
      var picked = chosen();
      var after = picked.length ? picked[picked.length - 1].nextSibling : select.firstChild;
      select.insertBefore(option, after);
      option.selected = true;
      input.value = '';
      active = -1;
      renderChips();
      renderList();
      status.textContent = option.textContent + ' added.';
    }

    input.addEventListener('input', function () {
      active = 0;
      renderList();
    });
    input.addEventListener('focus', function () { renderList(); });
    input.addEventListener('blur', function () {
      list.hidden = true;
      input.setAttribute('aria-expanded', 'false');
    });
    input.addEventListener('keydown', function (event) {
      var found = matches();
      if (event.key === 'ArrowDown') {
        event.preventDefault();
        active = Math.min(active + 1, found.length - 1);
        renderList();
      } else if (event.key === 'ArrowUp') {
        event.preventDefault();
        active = Math.max(active - 1, 0);
        renderList();
      } else if (event.key === 'Enter') {
        if (!list.hidden && found[active]) {
          event.preventDefault();  // choosing is not submitting the form
          choose(found[active]);
        }
      } else if (event.key === 'Escape') {
        list.hidden = true;
        input.setAttribute('aria-expanded', 'false');
      } else if (event.key === 'Backspace' && input.value === '') {
        var picked = chosen();
        if (picked.length) {
          picked[picked.length - 1].selected = false;
          renderChips();
          status.textContent = picked[picked.length - 1].textContent + ' removed.';
        }
      }
    });
    renderChips();
  }

  Array.prototype.forEach.call(document.querySelectorAll('[data-picker]'), enhance);
})();
