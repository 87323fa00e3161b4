// Recording from the microphone: MediaRecorder, a level meter, and a time limit equal to the
// upload limit. The recording (WebM/Opus in Chromium) is decoded with the Web Audio API and
// handed over as a 16-bit mono WAV, a format the server accepts.
import { clock } from "./player.js";

const RATE = 22050;

export function setupRecorder(ctx, done) {
  const box = ctx.form.querySelector("[data-recorder]");
  if (!box || !navigator.mediaDevices?.getUserMedia || !window.MediaRecorder) return;
  box.hidden = false;
  const button = box.querySelector("[data-record]");
  const level = box.querySelector("[data-level]");
  const time = box.querySelector("[data-record-time]");
  const max = Number(box.dataset.maxSeconds);
  const idle = button.textContent;
  let session = null;

  async function start() {
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch {
      ctx.say("The microphone could not be opened. Allow it in the browser's site settings, or upload a file.", "error");
      return;
    }
    const recorder = new MediaRecorder(stream);
    const chunks = [];
    const audio = new AudioContext();
    const analyser = audio.createAnalyser();
    analyser.fftSize = 1024;
    audio.createMediaStreamSource(stream).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    const began = performance.now();
    session = { stream, recorder, audio, timer: 0, limit: setTimeout(stop, max * 1000) };
    recorder.addEventListener("dataavailable", (event) => { if (event.data.size) chunks.push(event.data); });
    recorder.addEventListener("stop", async () => {
      try {
        const wav = await toWav(new Blob(chunks, { type: recorder.mimeType }));
        const stamp = new Date().toISOString().slice(0, 16).replace(/[-:T]/g, "");
        done(new File([wav], `recording-${stamp}.wav`, { type: "audio/wav" }));
        ctx.say("Recording ready. Pick a voice and press Generate.");
      } catch {
        ctx.say("The recording could not be read. Try again, or upload a file.", "error");
      }
    });
    const tick = () => {
      analyser.getFloatTimeDomainData(samples);
      let peak = 0;
      for (const value of samples) peak = Math.max(peak, Math.abs(value));
      level.value = Math.min(1, peak);
      time.textContent = `${clock((performance.now() - began) / 1000)} / ${clock(max)}`;
    };
    session.timer = setInterval(tick, 100);
    recorder.start(250);
    box.classList.add("recording");
    button.textContent = "■ Stop recording";
    button.setAttribute("aria-pressed", "true");
    ctx.say(`Recording… up to ${clock(max)}. Press Stop when you are done.`);
  }

  function stop() {
    if (!session) return;
    const { stream, recorder, audio, timer, limit } = session;
    session = null;
    clearInterval(timer);
    clearTimeout(limit);
    if (recorder.state !== "inactive") recorder.stop();
    for (const track of stream.getTracks()) track.stop();
    audio.close();
    level.value = 0;
    box.classList.remove("recording");
    button.textContent = idle;
    button.setAttribute("aria-pressed", "false");
  }

  button.setAttribute("aria-pressed", "false");
  button.addEventListener("click", () => (session ? stop() : start()));
}

async function toWav(blob) {
  const decoder = new OfflineAudioContext(1, 1, RATE);
  const buffer = await decoder.decodeAudioData(await blob.arrayBuffer());
  const length = buffer.length;
  const mono = new Float32Array(length);
  for (let c = 0; c < buffer.numberOfChannels; c++) {
    const channel = buffer.getChannelData(c);
    for (let i = 0; i < length; i++) mono[i] += channel[i] / buffer.numberOfChannels;
  }
  const out = new DataView(new ArrayBuffer(44 + length * 2));
  const text = (at, value) => { for (let i = 0; i < value.length; i++) out.setUint8(at + i, value.charCodeAt(i)); };
  text(0, "RIFF"); out.setUint32(4, 36 + length * 2, true); text(8, "WAVE");
  text(12, "fmt "); out.setUint32(16, 16, true); out.setUint16(20, 1, true); out.setUint16(22, 1, true);
  out.setUint32(24, buffer.sampleRate, true); out.setUint32(28, buffer.sampleRate * 2, true);
  out.setUint16(32, 2, true); out.setUint16(34, 16, true);
  text(36, "data"); out.setUint32(40, length * 2, true);
  for (let i = 0; i < length; i++) out.setInt16(44 + i * 2, Math.max(-1, Math.min(1, mono[i])) * 32767, true);
  return new Blob([out.buffer], { type: "audio/wav" });
}
