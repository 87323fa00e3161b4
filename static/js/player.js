// The shared bottom play bar: one <audio>, play/pause, ±10 s, a seekable waveform, times, download.
// Hidden until a clip is loaded. load() takes a source URL; a streaming source (a MediaSource
// object URL) can be handed to it the same way.
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
    this.values = null;
    this.src = null;  // the loaded clip's address, or null

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
      if (!this.audio.duration) return;
      this.audio.currentTime = ((event.clientX - box.left) / box.width) * this.audio.duration;
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

  show() {
    this.root.hidden = false;
    document.documentElement.classList.add("has-player");
  }

  load({ src, title, download }, { autoplay = true } = {}) {
    this.src = src;
    this.audio.src = src;
    this.title.textContent = title || "Clip";
    this.download.href = download || src;
    this.values = null;
    this.show();
    this.drawWave();
    peaks(src, 300).then((values) => {
      if (this.src === src) {
        this.values = values;
        this.drawWave();
      }
    }).catch(() => {});
    if (autoplay) this.audio.play().catch(() => this.render());
    this.render();
  }

  // Forget the loaded clip (it was deleted) and hide the bar.
  unload() {
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
    if (!this.audio.duration) return;
    this.audio.currentTime = Math.min(Math.max(0, this.audio.currentTime + seconds), this.audio.duration);
  }

  drawWave() {
    if (this.root.hidden) return;
    const progress = this.audio.duration ? this.audio.currentTime / this.audio.duration : 0;
    draw(this.canvas, this.values || new Float32Array(0), progress);
  }

  render() {
    const duration = Number.isFinite(this.audio.duration) ? this.audio.duration : 0;
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
