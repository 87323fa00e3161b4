// The shared bottom play bar: one <audio>, play/pause, ±10 s, a seekable waveform, times, download.
// Hidden until a clip is loaded. load() takes a clip's address; loadStream() a stream being made
// (a MediaSource object URL, see live.js), which adopt() later turns into the stored clip
// without interrupting what is playing.
import { draw, peaks } from "./waveform.js";

export function clock(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) seconds = 0;
  const m = Math.floor(seconds / 60);
  const s = Math.floor(seconds % 60);
  return `${m}:${String(s).padStart(2, "0")}`;
}

export class Player {
  constructor(root) {
    this.root = root;
    this.audio = root.querySelector("[data-player-audio]");
    this.toggleButton = root.querySelector("[data-toggle]");
    this.skipButtons = root.querySelectorAll("[data-skip]");
    this.seek = root.querySelector("[data-seek]");
    this.canvas = root.querySelector("[data-player-wave]");
    this.title = root.querySelector("[data-player-title]");
    this.elapsed = root.querySelector("[data-elapsed]");
    this.total = root.querySelector("[data-total]");
    this.download = root.querySelector("[data-player-download]");
    this.live = root.querySelector("[data-player-live]");
    this.announcer = root.querySelector("[data-player-announce]");
    this.values = null;
    this.src = null;  // the loaded clip's address, or null
    this.leave = null;  // told when a loaded stream is replaced or unloaded

    this.toggleButton.addEventListener("click", () => this.toggle());
    for (const button of this.skipButtons) {
      button.addEventListener("click", () => this.skip(Number(button.dataset.skip)));
    }
    this.seek.addEventListener("input", () => {
      this.audio.currentTime = Number(this.seek.value);
      this.render();
    });
    this.canvas.addEventListener("click", (event) => {
      const box = this.canvas.getBoundingClientRect();
      if (!this.length) return;
      this.audio.currentTime = ((event.clientX - box.left) / box.width) * this.length;
    });
    for (const name of ["timeupdate", "durationchange", "loadedmetadata", "play", "pause", "ended", "seeked"]) {
      this.audio.addEventListener(name, () => this.render());
    }
    this.audio.addEventListener("error", () => {
      if (this.src) this.title.textContent = "This clip could not be played.";
    });
    window.addEventListener("resize", () => this.drawWave());
    // The page keeps room below its content for the bar, as tall as the bar really is.
    new ResizeObserver(() => {
      if (!this.root.hidden) document.documentElement.style.setProperty("--play-bar-h", `${this.root.offsetHeight}px`);
    }).observe(this.root);
  }

  get loaded() {
    return this.src !== null;
  }

  // The clip's length in seconds; a stream's duration is unknown (Infinity) until it ends, so
  // until then, how much of it is ready.
  get length() {
    const duration = this.audio.duration;
    if (Number.isFinite(duration)) return duration;
    const ready = this.audio.buffered;
    return ready.length ? ready.end(ready.length - 1) : 0;
  }

  show() {
    this.root.hidden = false;
    document.documentElement.classList.add("has-player");
  }

  // `at`: start from there (seconds), e.g. where a stream that broke off had got to.
  load({ src, title, download }, { autoplay = true, at = 0 } = {}) {
    this.leaving();
    this.src = src;
    this.audio.src = src;
    if (at > 0) this.audio.addEventListener("loadedmetadata", () => { this.audio.currentTime = at; }, { once: true });
    this.title.textContent = title || "Clip";
    this.setDownload(download || src);
    this.setLive("");
    this.show();
    this.wave(src);
    if (autoplay) this.audio.play().catch(() => this.render());
    this.render();
  }

  // A clip still being made: a MediaSource's object URL, no file to download or draw yet.
  // `leave()` is called once something else is loaded or the bar is emptied.
  loadStream({ src, title }, leave) {
    this.leaving();
    this.leave = leave;
    this.src = src;
    this.audio.src = src;
    this.title.textContent = title || "Clip";
    this.setDownload(null);
    this.values = null;
    this.show();
    this.render();
  }

  get streaming() {
    return this.leave !== null;
  }

  // The stream playing now is the stored clip `src`: same audio, so it plays on where it is;
  // the bar gets the clip's download and waveform.
  adopt({ src, title, download }) {
    this.leave = null;
    this.src = src;
    if (title) this.title.textContent = title;
    this.setDownload(download || src);
    this.setLive("");
    this.wave(src);
    this.render();
  }

  // The line under the title while a stream is made ("Live · 0:12 ready …"); "" hides it.
  // It changes with every piece, so it is not a live region; `announce` is said once instead.
  setLive(text, { announce = "" } = {}) {
    this.live.textContent = text;
    this.live.hidden = !text;
    if (announce) this.announcer.textContent = announce;
  }

  setDownload(href) {
    if (href) this.download.href = href;
    else this.download.removeAttribute("href");
    // Not `hidden`: .button's display wins over it.
    this.download.style.display = href ? "" : "none";
  }

  wave(src) {
    this.values = null;
    this.drawWave();
    peaks(src, 300).then((values) => {
      if (this.src === src) {
        this.values = values;
        this.drawWave();
      }
    }).catch(() => {});
  }

  leaving() {
    const leave = this.leave;
    this.leave = null;
    leave?.();
  }

  // Forget the loaded clip (it was deleted) and hide the bar.
  unload() {
    this.leaving();
    this.setLive("");
    this.audio.pause();
    this.audio.removeAttribute("src");
    this.audio.load();
    this.src = null;
    this.values = null;
    this.root.hidden = true;
    document.documentElement.classList.remove("has-player");
  }

  toggle() {
    if (!this.src) return;
    if (this.audio.paused) this.audio.play().catch(() => {});
    else this.audio.pause();
  }

  skip(seconds) {
    if (!this.length) return;
    this.audio.currentTime = Math.min(Math.max(0, this.audio.currentTime + seconds), this.length);
  }

  drawWave() {
    if (this.root.hidden) return;
    const progress = this.length ? this.audio.currentTime / this.length : 0;
    draw(this.canvas, this.values || new Float32Array(0), progress);
  }

  render() {
    const duration = this.length;
    this.seek.max = String(duration);
    this.seek.value = String(this.audio.currentTime);
    this.elapsed.textContent = clock(this.audio.currentTime);
    this.total.textContent = clock(duration);
    const playing = !this.audio.paused && !this.audio.ended;
    this.toggleButton.textContent = playing ? "❚❚" : "▶";
    this.toggleButton.setAttribute("aria-label", playing ? "Pause" : "Play");
    this.drawWave();
  }
}
