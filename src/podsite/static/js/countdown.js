// Turns the next stream's start time (server-rendered text in UTC) into a live countdown.
(function () {
  'use strict';
  var element = document.querySelector('time[data-countdown]');
  if (!element) {
    return;
  }
  var start = Date.parse(element.getAttribute('datetime'));
  if (isNaN(start)) {
    return;
  }
  var original = element.textContent;
  element.title = original;

  function plural(count, word) {
    return count + ' ' + word + (count === 1 ? '' : 's');
  }

  function render() {
    var seconds = Math.round((start - Date.now()) / 1000);
    if (seconds <= 0) {
      element.textContent = 'now: reload the page to watch';
      return false;
    }
    var days = Math.floor(seconds / 86400);
    var hours = Math.floor((seconds % 86400) / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    var parts = [];
    if (days) { parts.push(plural(days, 'day')); }
    if (days || hours) { parts.push(plural(hours, 'hour')); }
    parts.push(days ? plural(minutes, 'minute') : plural(minutes, 'minute') + ' ' + plural(seconds % 60, 'second'));
    element.textContent = 'in ' + parts.join(', ') + ' (' + new Date(start).toLocaleString() + ')';
    return true;
  }

  if (render()) {
    var timer = window.setInterval(function () {
      if (!render()) {
        window.clearInterval(timer);
      }
    }, 1000);
  }
}());
