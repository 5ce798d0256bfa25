// Links ending in #t=SECONDS (transcript timestamps, chapters) move the episode's player there.
(function () {
  'use strict';
  var audio = document.querySelector('audio[data-player]');
  if (!audio) {
    return;
  }

  function requestedSeconds() {
    var match = /^#t=(\d+(?:\.\d+)?)$/.exec(window.location.hash);
    return match ? parseFloat(match[1]) : null;
  }

  function seek(play) {
    var seconds = requestedSeconds();
    if (seconds === null) {
      return;
    }
    var move = function () {
      audio.currentTime = seconds;
      if (play) {
        audio.play().catch(function () { /* the listener presses play themselves */ });
      }
    };
    if (audio.readyState >= 1) {
      move();
    } else {
      audio.preload = 'metadata';
      audio.addEventListener('loadedmetadata', move, { once: true });
      audio.load();
    }
    audio.dataset.requestedTime = String(seconds);
  }

  window.addEventListener('hashchange', function () { seek(true); });
  seek(false);
})();
