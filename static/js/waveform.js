// Waveforms: fetch a clip, decode it with the Web Audio API, and draw its peaks on a canvas.
const cache = new Map();
let context = null;

function audioContext() {
  const Ctx = window.AudioContext || window.webkitAudioContext;
  if (!Ctx) return null;
  if (!context) context = new Ctx();
  return context;
}

// Peak amplitude (0..1) of `buckets` equal slices of the first channel.
export function peaks(url, buckets = 200) {
  const key = `${url}#${buckets}`;
  if (!cache.has(key)) {
    const job = fetch(url, { credentials: "same-origin" })
      .then((response) => {
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        return response.arrayBuffer();
      })
      .then((data) => {
        const ctx = audioContext();
        if (!ctx) throw new Error("no Web Audio");
        return ctx.decodeAudioData(data);
      })
      .then((buffer) => {
        const samples = buffer.getChannelData(0);
        const size = Math.max(1, Math.floor(samples.length / buckets));
        const out = new Float32Array(buckets);
        let loudest = 0;
        for (let b = 0; b < buckets; b++) {
          let peak = 0;
          const end = Math.min(samples.length, (b + 1) * size);
          for (let i = b * size; i < end; i++) {
            const v = Math.abs(samples[i]);
            if (v > peak) peak = v;
          }
          out[b] = peak;
          if (peak > loudest) loudest = peak;
        }
        if (loudest > 0) for (let b = 0; b < buckets; b++) out[b] /= loudest;
        return out;
      });
    job.catch(() => cache.delete(key));
    cache.set(key, job);
  }
  return cache.get(key);
}

function colour(name, fallback) {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value || fallback;
}

// Draw `values` as centred bars; the part before `progress` (0..1) in the accent colour.
export function draw(canvas, values, progress = 0) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth || canvas.width;
  const height = canvas.clientHeight || canvas.height;
  if (canvas.width !== Math.round(width * ratio)) canvas.width = Math.round(width * ratio);
  if (canvas.height !== Math.round(height * ratio)) canvas.height = Math.round(height * ratio);
  const g = canvas.getContext("2d");
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, width, height);
  if (!values || !values.length) return;
  const played = colour("--accent", "#4f46e5");
  const rest = colour("--wave", "#9ca3af");
  const step = width / values.length;
  const bar = Math.max(1, step * 0.6);
  for (let i = 0; i < values.length; i++) {
    const h = Math.max(1.5, values[i] * (height - 2));
    g.fillStyle = i / values.length < progress ? played : rest;
    g.fillRect(i * step, (height - h) / 2, bar, h);
  }
}

// Draw every canvas[data-wave] inside `root` once it scrolls into view.
const observer = "IntersectionObserver" in window
  ? new IntersectionObserver((entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        observer.unobserve(entry.target);
        drawInto(entry.target);
      }
    }, { rootMargin: "200px" })
  : null;

function drawInto(canvas) {
  peaks(canvas.dataset.wave, 80).then((values) => draw(canvas, values)).catch(() => canvas.classList.add("wave-unavailable"));
}

export function watch(root) {
  for (const canvas of root.querySelectorAll("canvas[data-wave]")) {
    if (observer) observer.observe(canvas);
    else drawInto(canvas);
  }
}
