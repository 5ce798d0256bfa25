// podsite's player, built over the page's <audio controls data-player>: without this file
// (or without JavaScript) the browser's own controls remain, so the episode always plays.
// Links ending in #t=SECONDS (chapters, transcript timestamps) move the player there.
(function () {
  'use strict';
  var audio = document.querySelector('audio[data-player]');
  if (!audio) {
    return;
  }
  var root = audio.closest('[data-player-root]') || audio.parentNode;
  var positionKey = 'podsite:position:' + (audio.dataset.episode || audio.currentSrc);
  var speedKey = 'podsite:speed';
  var speeds = [0.75, 1, 1.25, 1.5, 1.75, 2];
  var chapters = Array.prototype.slice.call(document.querySelectorAll('[data-chapter-start]'));
  var pending = null; // a position asked for before the audio's metadata has come
  var lastSaved = 0;
  var LOAD_FAILED = 'The audio could not be loaded. Try again later, or download it from the link below.';

  function clock(seconds) {
    var whole = Math.max(0, Math.floor(seconds || 0));
    var hours = Math.floor(whole / 3600);
    var minutes = Math.floor((whole % 3600) / 60);
    var rest = String(whole % 60).padStart(2, '0');
    var clockMinutes = String(minutes).padStart(2, '0') + ':' + rest;
    return hours ? hours + ':' + clockMinutes : clockMinutes; // as the page writes them (07:05, 1:02:03)
  }

  function element(tag, attributes, text) {
    var made = document.createElement(tag);
    Object.keys(attributes).forEach(function (name) { made.setAttribute(name, attributes[name]); });
    if (text) {
      made.textContent = text;
    }
    return made;
  }

  function duration() {
    return isFinite(audio.duration) && audio.duration > 0 ? audio.duration : parseFloat(audio.dataset.duration) || 0;
  }

  function position() {
    return pending !== null ? pending : audio.currentTime;
  }

  // The controls, in reading order: play, back, forward, seek bar, time, speed, status.
  var controls = element('div', { 'class': 'player-controls', role: 'group', 'aria-label': 'Audio player' });
  var playButton = element('button', { type: 'button', 'class': 'player-play', 'aria-label': 'Play' }, '▶');
  var backButton = element('button', { type: 'button', 'aria-label': 'Back 15 seconds' }, '−15');
  var forwardButton = element('button', { type: 'button', 'aria-label': 'Forward 30 seconds' }, '+30');
  var seek = element('div', { 'class': 'player-seek' });
  var marks = element('div', { 'class': 'player-marks', 'aria-hidden': 'true' });
  var slider = element('input', {
    type: 'range', 'class': 'player-slider', min: '0', max: '0', step: '1', value: '0', 'aria-label': 'Position',
  });
  var time = element('span', { 'class': 'player-time', 'aria-hidden': 'true' });
  var speedLabel = element('label', { 'class': 'player-speed' }, 'Speed ');
  var speedSelect = element('select', {});
  var status = element('p', { 'class': 'player-status', role: 'status' });
  speeds.forEach(function (speed) {
    speedSelect.appendChild(element('option', { value: String(speed) }, speed + '×'));
  });
  speedLabel.appendChild(speedSelect);
  seek.appendChild(marks);
  seek.appendChild(slider);
  [playButton, backButton, forwardButton, seek, time, speedLabel].forEach(function (part) {
    controls.appendChild(part);
  });
  audio.controls = false;
  audio.after(controls, status);
  root.classList.add('player-enhanced');

  function drawMarks() {
    var total = duration();
    marks.textContent = '';
    if (!total) {
      return;
    }
    chapters.forEach(function (chapter) {
      var start = parseFloat(chapter.dataset.chapterStart);
      if (start > 0 && start < total) {
        var mark = element('span', { 'class': 'player-mark' });
        mark.style.left = (start / total) * 100 + '%';
        marks.appendChild(mark);
      }
    });
  }

  function showPosition() {
    var total = duration();
    var now = Math.min(position(), total || Infinity);
    slider.max = String(Math.floor(total));
    slider.value = String(Math.floor(now));
    slider.setAttribute('aria-valuetext', clock(now) + ' of ' + clock(total));
    time.textContent = clock(now) + ' / ' + clock(total);
    var current = null;
    chapters.forEach(function (chapter) {
      if (parseFloat(chapter.dataset.chapterStart) <= now) {
        current = chapter;
      }
    });
    chapters.forEach(function (chapter) {
      chapter.classList.toggle('current', chapter === current);
      if (chapter === current) {
        chapter.setAttribute('aria-current', 'true');
      } else {
        chapter.removeAttribute('aria-current');
      }
    });
  }

  function seekTo(seconds) {
    var total = duration();
    var target = Math.max(0, total ? Math.min(seconds, total) : seconds);
    if (audio.readyState >= 1) {
      audio.currentTime = target;
    } else {
      pending = target;
    }
    showPosition();
  }

  function play() {
    if (audio.error) {
      audio.load(); // try again: the network may be back
    }
    audio.play().catch(function (error) {
      if (error.name !== 'NotAllowedError' && error.name !== 'AbortError') {
        status.textContent = LOAD_FAILED;
      }
    });
  }

  function toggle() {
    if (audio.paused) {
      play();
    } else {
      audio.pause();
    }
  }

  function remember(force) {
    var now = audio.currentTime;
    if (audio.readyState < 1 || (!force && Math.abs(now - lastSaved) < 5)) {
      return; // not loaded (a visit without listening forgets nothing), or saved just now
    }
    lastSaved = now;
    try {
      if (now < 5 || now > duration() - 15) {
        localStorage.removeItem(positionKey); // the start, or finished: nothing to resume
      } else {
        localStorage.setItem(positionKey, String(Math.floor(now)));
      }
    } catch (ignored) { /* storage refused (private mode, full): nothing is remembered */ }
  }

  function stored(key) {
    try {
      return localStorage.getItem(key);
    } catch (ignored) {
      return null;
    }
  }

  function setSpeed(speed) {
    audio.defaultPlaybackRate = speed;
    audio.playbackRate = speed;
    speedSelect.value = String(speed);
  }

  function requestedSeconds() {
    var match = /^#t=(\d+(?:\.\d+)?)$/.exec(window.location.hash);
    return match ? parseFloat(match[1]) : null;
  }

  function seekToHash(andPlay) {
    var seconds = requestedSeconds();
    if (seconds === null) {
      return false;
    }
    seekTo(seconds);
    if (andPlay) {
      play();
    } else if (audio.readyState < 1) {
      audio.preload = 'metadata'; // the metadata only, so the position shows at once
      audio.load();
    }
    audio.dataset.requestedTime = String(seconds);
    return true;
  }

  playButton.addEventListener('click', toggle);
  backButton.addEventListener('click', function () { seekTo(position() - 15); });
  forwardButton.addEventListener('click', function () { seekTo(position() + 30); });
  slider.addEventListener('input', function () { seekTo(parseFloat(slider.value)); });
  speedSelect.addEventListener('change', function () {
    setSpeed(parseFloat(speedSelect.value));
    try {
      localStorage.setItem(speedKey, speedSelect.value);
    } catch (ignored) { /* the speed is kept for this page only */ }
  });
  root.addEventListener('keydown', function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.target.tagName === 'SELECT') {
      return;
    }
    var onButton = event.target.tagName === 'BUTTON' || event.target.tagName === 'A';
    var moves = { ArrowLeft: -5, ArrowRight: 5, j: -15, l: 30 };
    if (event.key === 'k' || (event.key === ' ' && !onButton)) {
      toggle();
    } else if (event.key in moves) {
      seekTo(position() + moves[event.key]);
    } else {
      return;
    }
    event.preventDefault();
  });
  document.addEventListener('click', function (event) {
    var link = event.target.closest ? event.target.closest('a[href^="#t="]') : null;
    if (!link) {
      return;
    }
    event.preventDefault(); // a chapter clicked twice seeks twice, which a hash change would not
    history.replaceState(null, '', link.getAttribute('href'));
    seekToHash(true);
  });
  window.addEventListener('hashchange', function () { seekToHash(true); });

  audio.addEventListener('loadedmetadata', function () {
    if (pending !== null) {
      audio.currentTime = pending;
      pending = null;
    }
    drawMarks();
    showPosition();
  });
  audio.addEventListener('durationchange', function () { drawMarks(); showPosition(); });
  audio.addEventListener('timeupdate', function () { showPosition(); remember(false); });
  audio.addEventListener('play', function () {
    playButton.textContent = '❚❚';
    playButton.setAttribute('aria-label', 'Pause');
    root.classList.add('playing');
  });
  audio.addEventListener('pause', function () {
    playButton.textContent = '▶';
    playButton.setAttribute('aria-label', 'Play');
    root.classList.remove('playing');
    remember(true);
  });
  audio.addEventListener('playing', function () { status.textContent = ''; });
  audio.addEventListener('error', function () { status.textContent = LOAD_FAILED; });
  window.addEventListener('pagehide', function () { remember(true); });

  var savedSpeed = parseFloat(stored(speedKey));
  if (speeds.indexOf(savedSpeed) >= 0) {
    setSpeed(savedSpeed);
  } else {
    setSpeed(1);
  }
  if (!seekToHash(false)) {
    var saved = parseFloat(stored(positionKey));
    if (saved > 0) {
      seekTo(saved);
    }
  }
  drawMarks();
  showPosition();
})();
