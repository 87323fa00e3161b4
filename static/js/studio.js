// The studio page: submitting without a reload, credits, keyboard shortcuts and voice
// previews; the editor, the upload and the history are modules of their own.
import { setupEditor } from "./editor.js";
import { setupHistory } from "./history.js";
import { Player } from "./player.js";
import { setupUpload } from "./upload.js";

document.documentElement.classList.add("js");
const studio = document.querySelector("[data-studio]");
const form = studio.querySelector("[data-generate-form]");
const generate = form.querySelector("[data-generate]");
const formStatus = form.querySelector("[data-form-status]");
const cost = Number(studio.dataset.cost);
let credits = Number(studio.dataset.creditsNow);

function shortOfCredits() {
  return `You have ${credits.toLocaleString("en-US")} credits left and a clip costs ${cost}, so you cannot make another one. `
    + "Credits come back when a generation fails; an operator can add more.";
}

const ctx = {
  studio,
  form,
  player: new Player(document.querySelector("[data-player]")),
  csrf: () => form.querySelector("input[name=csrfmiddlewaretoken]").value,
  statusUrl: (id) => studio.dataset.statusUrl.replace("CLIP_ID", encodeURIComponent(id)),
  say(message, kind = "info") {
    if (credits < cost && kind !== "error") {
      message = `${message ? `${message} ` : ""}${shortOfCredits()}`;
      kind = "warning";
    }
    formStatus.textContent = message;
    formStatus.dataset.kind = kind;
    formStatus.setAttribute("role", kind === "error" ? "alert" : "status");
  },
  setCredits(value) {
    if (value === undefined || value === null) return;
    const ran_out = value < cost && credits >= cost;
    credits = value;
    for (const badge of document.querySelectorAll("[data-credits]")) badge.textContent = value.toLocaleString("en-US");
    // Not `disabled`: a disabled button drops the keyboard focus to <body>.
    generate.removeAttribute("disabled");
    generate.setAttribute("aria-disabled", String(value < cost));
    if (ran_out) ctx.say("");
  },
};

const editor = setupEditor(ctx);
setupUpload(ctx);
const history = setupHistory(ctx, editor);
ctx.setCredits(credits);

// -- submitting -------------------------------------------------------------------------
let busy = false;
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (busy) return;
  if (credits < cost) { ctx.say(""); return; }
  if (!editor.check()) return;
  busy = true;
  generate.setAttribute("aria-busy", "true");
  editor.clearAll();
  ctx.say("Sending…");
  try {
    const response = await fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": ctx.csrf() },
    });
    const payload = await response.json().catch(() => ({ error: `The server answered ${response.status}.` }));
    if (!response.ok) {
      const fields = Object.keys(payload.errors || {});
      const shown = fields.filter((name) => editor.showError(name, payload.errors[name][0].message));
      ctx.say(shown.length ? "Check the highlighted field above." : (payload.error || "Something went wrong."), "error");
      return;
    }
    history.added(payload);
  } catch {
    ctx.say("Could not reach the server. Check your connection and try again.", "error");
  } finally {
    busy = false;
    generate.removeAttribute("aria-busy");
  }
});

// -- keyboard: Ctrl/Cmd+Enter generates; Space plays or pauses outside text fields --------
const typing = (element) => element.closest("input, textarea, select, button, a, summary, [contenteditable], audio");
document.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    form.requestSubmit();
  } else if (event.key === " " && !event.repeat && !typing(event.target) && ctx.player.loaded) {
    event.preventDefault();
    ctx.player.toggle();
  }
});

// -- voice previews: a small Audio element of their own, not the play bar ---------------
const preview = { audio: new Audio(), button: null };
function previewStopped() {
  const button = preview.button;
  if (!button) return;
  preview.button = null;
  button.classList.remove("voice-preview-playing");
  button.replaceChildren(...button.idleChildren);
  button.setAttribute("aria-label", button.dataset.idleLabel);
}
for (const name of ["pause", "ended"]) {
  preview.audio.addEventListener(name, () => { if (preview.audio.paused) previewStopped(); });
}
preview.audio.addEventListener("error", previewStopped);
ctx.player.audio.addEventListener("play", () => preview.audio.pause());
studio.addEventListener("click", (event) => {
  const button = event.target.closest("[data-voice-preview]");
  if (!button) return;
  event.preventDefault();
  const again = preview.button === button;
  preview.audio.pause();
  previewStopped();
  if (again) return;  // a second click stops it
  ctx.player.audio.pause();
  button.idleChildren ??= [...button.childNodes];
  button.dataset.idleLabel ??= button.getAttribute("aria-label");
  button.classList.add("voice-preview-playing");
  const label = document.createElement("span");
  label.setAttribute("aria-hidden", "true");
  label.textContent = " Stop";
  button.replaceChildren("■", label);
  button.setAttribute("aria-label", `Stop the preview of ${button.dataset.idleLabel.replace(/^Preview /, "")}`);
  preview.button = button;
  preview.audio.src = button.href;
  preview.audio.play().catch(() => { if (preview.button === button) previewStopped(); });
});
