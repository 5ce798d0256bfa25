// Counts down to the next stream and gives its start in the listener's own time and zone,
// in their locale's words; the server's UTC time stays beside it for anyone comparing.
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
  var local = new Intl.DateTimeFormat(undefined, {
    weekday: 'short', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit',
    timeZoneName: 'short'
  }).format(new Date(start));
  var status = document.createElement('span');
  status.className = 'countdown-local';
  element.insertAdjacentElement('afterend', status);

  function plural(count, word) {
    return count + ' ' + word + (count === 1 ? '' : 's');
  }

  function render() {
    var seconds = Math.round((start - Date.now()) / 1000);
    if (seconds <= 0) {
      status.textContent = ': now, reload the page to watch';
      return false;
    }
    var days = Math.floor(seconds / 86400);
    var hours = Math.floor((seconds % 86400) / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    var parts = [];
    if (days) { parts.push(plural(days, 'day')); }
    if (days || hours) { parts.push(plural(hours, 'hour')); }
    parts.push(plural(minutes, 'minute'));
    status.textContent = ' (' + local + ' your time, in ' + parts.join(', ') + ')';
    return true;
  }

  // Minutes are the finest unit shown, so a render every few seconds keeps it exact.
  if (render()) {
    var timer = window.setInterval(function () {
      if (!render()) {
        window.clearInterval(timer);
      }
    }, 5000);
  }
}());
