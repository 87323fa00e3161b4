// Live playback: the text-to-speech clip the user just generated plays in the play bar while it
// is made. Its status names a stream (MP3, chunked: each piece as the worker makes it, then the
// rest once it is stored); the chunks go into a Media Source Extensions buffer that the play
// bar's <audio> plays from. When the clip is done the bar keeps playing the same audio and takes
// the stored file for its download and waveform. Without MSE (or MP3 in it), or if the server
// has no stream to spare, nothing changes: the clip plays once it is stored.
import { clock } from "./player.js";

const TYPE = "audio/mpeg";
const GRACE_MS = 8000;  // after "done", how long the stream may take to send its last bytes
const TOLERANCE_S = 0.3;  // a complete stream is at least this close to the stored clip's length

const supported = () => Boolean(window.MediaSource && MediaSource.isTypeSupported(TYPE));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function setupLive({ player }) {
  let wanted = null;  // the clip just generated, until its stream is opened (once)
  let current = null;  // its stream, while it feeds or plays in the bar

  const ready = (s) => {
    const ranges = s.buffer?.buffered;
    return ranges && ranges.length ? ranges.end(ranges.length - 1) : 0;
  };

  function show(s) {
    if (current !== s || !s.media) return;
    const amount = clock(ready(s));
    player.setLive(s.ended ? `Live · ${amount} ready · saving the clip…` : `Live · ${amount} ready · still generating…`);
    player.render();  // the total: what is ready
  }

  // Stop feeding `s`; with `silence`, also stop its playback (the bar is emptied).
  function close(s, { silence = false } = {}) {
    if (s.closed) return;
    s.closed = true;
    s.abort.abort();
    s.resolve(false);
    if (current === s) current = null;
    s.row?.classList.remove("clip-playing");
    if (silence && s.media && player.streaming && player.src === s.url) player.unload();
  }

  // The stream broke off or could not be played: stop the live playback; the status poll says
  // why if the clip failed, and plays the stored clip if it did not.
  function broken(s) {
    close(s, { silence: !s.finishing });
  }

  function attach(s) {
    return new Promise((resolve, reject) => {
      const media = new MediaSource();
      s.media = media;
      s.url = URL.createObjectURL(media);
      media.addEventListener("sourceopen", () => {
        URL.revokeObjectURL(s.url);
        try {
          s.buffer = media.addSourceBuffer(TYPE);
        } catch (error) {
          reject(error);
          return;
        }
        s.buffer.addEventListener("updateend", () => appended(s));
        s.buffer.addEventListener("error", () => broken(s));
        resolve();
      }, { once: true });
      player.loadStream({ src: s.url, title: s.title }, () => { s.left = true; close(s); });
      for (const other of document.querySelectorAll(".clip-playing")) other.classList.remove("clip-playing");
      s.row?.classList.add("clip-playing");
      player.setLive("Live · starting…", { announce: "Playing the new clip as it is generated." });
    });
  }

  // Append what has arrived (one append at a time); once the body has ended and all of it is
  // in, end the stream so the player knows the clip's length.
  function pump(s) {
    if (s.closed || !s.buffer || s.buffer.updating || s.media.readyState !== "open") return;
    if (s.queue.length) {
      const size = s.queue.reduce((n, chunk) => n + chunk.length, 0);
      const data = new Uint8Array(size);
      let at = 0;
      for (const chunk of s.queue.splice(0)) { data.set(chunk, at); at += chunk.length; }
      try {
        s.buffer.appendBuffer(data);
      } catch {
        broken(s);  // e.g. the buffer is full (a very long clip): it plays once stored
      }
    } else if (s.bodyEnded && !s.ended) {
      s.ended = true;
      s.media.endOfStream();
      s.resolve(true);
      show(s);
    }
  }

  function appended(s) {
    if (s.closed) return;
    if (!s.playing) {
      s.playing = true;
      player.audio.play().catch(() => player.render());  // refused: the play button is ready
    }
    show(s);
    pump(s);
  }

  async function run(s) {
    const response = await fetch(s.source, { credentials: "same-origin", signal: s.abort.signal });
    // 409: it failed already; 503: the server has no stream to spare. Either way the status
    // poll goes on and the clip plays (or says why not) once it is stored.
    if (!response.ok || !response.body) { close(s); return; }
    const reader = response.body.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (s.closed) { reader.cancel().catch(() => {}); return; }
      if (done) break;
      if (!value?.length) continue;
      s.queue.push(value);
      if (!s.media) await attach(s);
      pump(s);
    }
    if (!s.media) { close(s); return; }  // nothing came
    s.bodyEnded = true;
    pump(s);
  }

  function start(id, source, row) {
    const s = {
      id, source, row, title: row?.querySelector(".clip-title")?.textContent.trim() || "New clip",
      abort: new AbortController(), queue: [], media: null, buffer: null, url: null,
      playing: false, bodyEnded: false, ended: false, closed: false, finishing: false, left: false,
    };
    s.finished = new Promise((resolve) => { s.resolve = resolve; });  // true: the whole body is in
    current = s;
    run(s).catch(() => broken(s));
  }

  return {
    // A clip was just generated: it is the one to stream (the one before stops).
    want(id) {
      if (current) close(current, { silence: true });
      wanted = supported() ? id : null;
    },

    // A status poll says `id` is pending: open its stream if it is the wanted one and will
    // start now (a clip queued for later would leave the stream idle).
    pending(id, status, row) {
      if (wanted !== id || !status.stream_url || (!status.started && status.scheduled_for)) return;
      wanted = null;
      start(id, status.stream_url, row);
    },

    // Is a stream playing in the bar (so another clip that finishes does not take it over)?
    get playing() {
      return Boolean(current?.media);
    },

    // The clip is done: if it was streaming, the bar goes on with the stored clip `clip`
    // ({ src, title, download }): seamlessly when the whole stream is in, else from where it
    // had got to. False when it was not streaming (the caller plays it as before).
    async done(id, clip, duration) {
      const s = current;
      if (wanted === id) wanted = null;
      if (!s || s.id !== id) return false;
      if (!s.media) { close(s); return false; }
      s.finishing = true;
      const complete = await Promise.race([s.finished, sleep(GRACE_MS).then(() => false)]);
      close(s);
      if (s.left) return true;  // the bar was given another clip meanwhile
      if (complete && (!duration || ready(s) >= duration - TOLERANCE_S)) {
        player.adopt(clip);
      } else {
        const at = player.audio.currentTime;
        player.load(clip, { autoplay: !player.audio.paused && !player.audio.ended, at });
      }
      return true;
    },

    // The clip failed or was cancelled: stop its live playback.
    stop(id) {
      if (wanted === id) wanted = null;
      if (current?.id === id) close(current, { silence: true });
    },
  };
}
